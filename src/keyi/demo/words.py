"""Word lists for believable Chinese and English CRM data (fictional companies and people)."""

from __future__ import annotations


def split_words(text: str) -> list[str]:
    """Word lists are written as one spaced string: easier to read and edit than a list."""
    return text.split()


# ---------------------------------------------------------------- people
# Common surnames with pinyin, most frequent first (weights fall off along the list).
SURNAMES: tuple[tuple[str, str], ...] = tuple(
    (pair.split(":")[0], pair.split(":")[1])
    for pair in split_words(
        "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou "
        "徐:xu 孙:sun 马:ma 朱:zhu 胡:hu 郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang "
        "谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng 邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao "
        "田:tian 董:dong 袁:yuan 潘:pan 于:yu 蒋:jiang 蔡:cai 余:yu 杜:du 叶:ye 程:cheng 苏:su "
        "魏:wei 吕:lv 丁:ding 任:ren 沈:shen 姚:yao 卢:lu 姜:jiang 崔:cui 钟:zhong 谭:tan 陆:lu "
        "汪:wang 范:fan 金:jin 石:shi 廖:liao 贾:jia 夏:xia 韦:wei 付:fu 方:fang 白:bai 邹:zou "
        "孟:meng 熊:xiong 秦:qin 邱:qiu 江:jiang 尹:yin 薛:xue 闫:yan 段:duan 雷:lei 侯:hou "
        "龙:long 史:shi 陶:tao 黎:li 贺:he 顾:gu 毛:mao 郝:hao 龚:gong 邵:shao 万:wan 钱:qian "
        "严:yan 武:wu 戴:dai 莫:mo 孔:kong 向:xiang 汤:tang 欧阳:ouyang 上官:shangguan"
    )
)

# Given-name characters with pinyin and a gender lean (m, f or n for neutral).
GIVEN_CHARS: tuple[tuple[str, str, str], ...] = tuple(
    tuple(item.split(":"))  # type: ignore[misc]
    for item in split_words(
        "伟:wei:m 芳:fang:f 娜:na:f 敏:min:f 静:jing:f 丽:li:f 强:qiang:m 磊:lei:m 军:jun:m "
        "洋:yang:m 勇:yong:m 艳:yan:f 杰:jie:m 娟:juan:f 涛:tao:m 明:ming:n 超:chao:m 秀:xiu:f "
        "霞:xia:f 平:ping:n 刚:gang:m 桂:gui:f 英:ying:f 华:hua:n 玉:yu:f 兰:lan:f 萍:ping:f "
        "红:hong:f 建:jian:m 国:guo:m 文:wen:n 辉:hui:m 鹏:peng:m 宇:yu:m 浩:hao:m 婷:ting:f "
        "雪:xue:f 琳:lin:f 晨:chen:n 欣:xin:f 佳:jia:n 子:zi:n 轩:xuan:m 思:si:n 怡:yi:f 博:bo:m "
        "宁:ning:n 凯:kai:m 丹:dan:f 倩:qian:f 梅:mei:f 海:hai:m 斌:bin:m 志:zhi:m 峰:feng:m "
        "鑫:xin:m 晶:jing:f 颖:ying:f 慧:hui:f 健:jian:m 俊:jun:m 嘉:jia:n 瑶:yao:f 璐:lu:f "
        "昊:hao:m 然:ran:n 梓:zi:n 涵:han:n 睿:rui:m 泽:ze:m 雨:yu:f 晓:xiao:n 春:chun:n "
        "燕:yan:f 立:li:n 成:cheng:m 东:dong:m 亮:liang:m 波:bo:m 飞:fei:m 清:qing:n 旭:xu:m "
        "振:zhen:m 琪:qi:f 蕾:lei:f 薇:wei:f 凡:fan:n 帆:fan:n 航:hang:m 毅:yi:m 岚:lan:f"
    )
)

# Sales users of the demo company: (name, pinyin login, department, title).
SALES_TEAM: tuple[tuple[str, str, str, str], ...] = (
    ("李娜", "li.na", "华东销售部", "华东区销售总监"),
    ("张伟", "zhang.wei", "华东销售部", "高级客户经理"),
    ("陈静", "chen.jing", "华东销售部", "客户经理"),
    ("刘洋", "liu.yang", "华北销售部", "华北区销售经理"),
    ("赵磊", "zhao.lei", "华北销售部", "客户经理"),
    ("孙丽", "sun.li", "华北销售部", "销售代表"),
    ("黄志强", "huang.zhiqiang", "华南销售部", "华南区销售总监"),
    ("周婷", "zhou.ting", "华南销售部", "客户经理"),
    ("吴浩", "wu.hao", "华南销售部", "销售代表"),
    ("欧阳晓雪", "ouyang.xiaoxue", "大客户部", "大客户总监"),
    ("Michael Chen", "michael.chen", "大客户部", "Key Account Manager"),
    ("Emily Wang", "emily.wang", "大客户部", "Senior Account Executive"),
)

# The sales organisation: (department, parent, manager's login; "admin" is the administrator).
DEPARTMENTS: tuple[tuple[str, str | None, str], ...] = (
    ("销售中心", None, "admin"),
    ("华东销售部", "销售中心", "li.na"),
    ("华北销售部", "销售中心", "liu.yang"),
    ("华南销售部", "销售中心", "huang.zhiqiang"),
    ("大客户部", "销售中心", "ouyang.xiaoxue"),
)

CONTACT_TITLES_ZH: tuple[tuple[str, str, str], ...] = (
    # (title, department, buying role)
    ("董事长", "总经办", "decision_maker"),
    ("总经理", "总经办", "decision_maker"),
    ("副总经理", "总经办", "decision_maker"),
    ("采购经理", "采购部", "evaluator"),
    ("采购专员", "采购部", "user"),
    ("采购总监", "采购部", "decision_maker"),
    ("技术总监", "技术部", "influencer"),
    ("研发经理", "研发中心", "influencer"),
    ("IT经理", "信息部", "evaluator"),
    ("信息化负责人", "信息部", "influencer"),
    ("财务总监", "财务部", "influencer"),
    ("财务经理", "财务部", "evaluator"),
    ("生产经理", "生产部", "user"),
    ("质量经理", "质量部", "user"),
    ("市场总监", "市场部", "influencer"),
    ("销售总监", "销售部", "influencer"),
    ("行政主管", "行政部", "user"),
    ("运营总监", "运营中心", "influencer"),
    ("项目经理", "项目部", "evaluator"),
    ("工程师", "技术部", "user"),
)

CONTACT_TITLES_EN: tuple[tuple[str, str, str], ...] = (
    ("CEO", "Management", "decision_maker"),
    ("General Manager", "Management", "decision_maker"),
    ("CFO", "Finance", "influencer"),
    ("Procurement Manager", "Procurement", "evaluator"),
    ("Purchasing Specialist", "Procurement", "user"),
    ("CTO", "Engineering", "influencer"),
    ("IT Director", "IT", "evaluator"),
    ("Operations Manager", "Operations", "user"),
    ("Head of Sales", "Sales", "influencer"),
    ("Project Manager", "PMO", "evaluator"),
)

PERSONAL_MAIL = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com")

# Mobile prefixes in use (1[3-9]x): China Mobile, Unicom, Telecom, virtual operators.
MOBILE_PREFIXES = split_words(
    "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 "
    "166 170 171 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 "
    "198 199"
)

# ---------------------------------------------------------------- companies
# Characters of a company's trade name (字号) with pinyin; two of them make the name.
BRAND_FIRST: tuple[tuple[str, str], ...] = tuple(
    (pair.split(":")[0], pair.split(":")[1])
    for pair in split_words(
        "华:hua 恒:heng 瑞:rui 金:jin 天:tian 鼎:ding 宏:hong 新:xin 博:bo 中:zhong 泰:tai "
        "永:yong 嘉:jia 盛:sheng 德:de 鸿:hong 汇:hui 联:lian 信:xin 海:hai 云:yun 智:zhi "
        "创:chuang 远:yuan 航:hang 星:xing 辰:chen 凯:kai 立:li 东:dong 南:nan 北:bei 正:zheng "
        "安:an 康:kang 长:chang 明:ming 光:guang 景:jing 润:run 万:wan 丰:feng 宝:bao"
    )
)
BRAND_SECOND: tuple[tuple[str, str], ...] = tuple(
    (pair.split(":")[0], pair.split(":")[1])
    for pair in split_words(
        "信:xin 通:tong 达:da 丰:feng 泰:tai 源:yuan 成:cheng 邦:bang 科:ke 程:cheng 翔:xiang "
        "力:li 峰:feng 盛:sheng 锐:rui 联:lian 创:chuang 拓:tuo 宇:yu 川:chuan 和:he 兴:xing "
        "德:de 顺:shun 诚:cheng 恒:heng 晟:sheng 途:tu 远:yuan 驰:chi 骏:jun 凌:ling 耀:yao "
        "卓:zhuo 越:yue 策:ce 智:zhi 数:shu 链:lian 芯:xin"
    )
)

# Two-character trade names that recur on purpose, so CJK search demos ("华信", "纷享") find
# a handful of companies, contacts' employers and leads. All fictional.
SHOWCASE_BRANDS: tuple[tuple[str, str], ...] = (
    ("华信", "huaxin"),
    ("纷享", "fenxiang"),
    ("云联", "yunlian"),
    ("星河", "xinghe"),
    ("汇通", "huitong"),
    ("鼎盛", "dingsheng"),
    ("博远", "boyuan"),
    ("瑞丰", "ruifeng"),
)

# Business-scope words per industry picklist value: (Chinese, English domain word).
INDUSTRY_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "manufacturing": (
        ("精密机械", "precision"),
        ("机械制造", "machinery"),
        ("模具", "mould"),
        ("汽车零部件", "autoparts"),
        ("新材料", "materials"),
        ("五金制品", "hardware"),
        ("智能装备", "equipment"),
        ("电气", "electric"),
        ("包装材料", "packaging"),
        ("电子", "electronics"),
        ("阀门", "valve"),
        ("纺织", "textile"),
    ),
    "technology": (
        ("科技", "tech"),
        ("信息技术", "it"),
        ("网络科技", "net"),
        ("软件", "soft"),
        ("数据科技", "data"),
        ("智能科技", "ai"),
        ("云计算", "cloud"),
        ("半导体", "semi"),
    ),
    "finance": (
        ("投资管理", "invest"),
        ("融资租赁", "leasing"),
        ("保险代理", "insurance"),
        ("资产管理", "capital"),
        ("商业保理", "factoring"),
        ("小额贷款", "credit"),
    ),
    "retail": (
        ("商贸", "trading"),
        ("食品", "food"),
        ("贸易", "trade"),
        ("连锁超市", "mart"),
        ("日用品", "daily"),
        ("电子商务", "ecom"),
        ("餐饮管理", "catering"),
        ("服饰", "fashion"),
    ),
    "healthcare": (
        ("医疗器械", "medical"),
        ("生物科技", "bio"),
        ("医药", "pharma"),
        ("健康管理", "health"),
        ("诊断技术", "dx"),
        ("康复医疗", "rehab"),
    ),
    "education": (
        ("教育科技", "edu"),
        ("职业培训", "training"),
        ("文化传播", "culture"),
        ("教育咨询", "learning"),
    ),
    "energy": (
        ("新能源", "newenergy"),
        ("能源科技", "energy"),
        ("光伏", "solar"),
        ("电力工程", "power"),
        ("燃气", "gas"),
        ("储能", "storage"),
    ),
    "logistics": (
        ("物流", "logistics"),
        ("供应链管理", "supplychain"),
        ("国际货运代理", "freight"),
        ("仓储服务", "warehouse"),
        ("冷链物流", "coldchain"),
    ),
    "real_estate": (
        ("置业", "estate"),
        ("房地产开发", "property"),
        ("物业管理", "pm"),
        ("建筑工程", "construction"),
        ("装饰工程", "decor"),
    ),
    "professional_services": (
        ("企业管理咨询", "consulting"),
        ("人力资源", "hr"),
        ("广告", "ads"),
        ("知识产权代理", "ip"),
        ("财税咨询", "tax"),
        ("检测认证", "testing"),
    ),
    "government": (),  # named differently, see GOVERNMENT_UNITS
    "other": (("实业", "industrial"), ("农业科技", "agri"), ("环保科技", "eco")),
}

INDUSTRY_WEIGHTS: dict[str, float] = {
    "manufacturing": 24,
    "technology": 18,
    "finance": 6,
    "retail": 12,
    "healthcare": 7,
    "education": 5,
    "energy": 5,
    "logistics": 7,
    "real_estate": 4,
    "professional_services": 7,
    "government": 2,
    "other": 3,
}

GOVERNMENT_UNITS = (
    "数据资源管理局",
    "人民医院",
    "公共资源交易中心",
    "市场监督管理局",
    "教育局",
    "交通运输局",
    "政务服务中心",
    "第一中学",
    "疾病预防控制中心",
    "水务集团",
)

LEGAL_SUFFIXES = (("有限公司", 70), ("股份有限公司", 14), ("有限责任公司", 8), ("集团有限公司", 8))

# English-named companies (foreign-invested or exporters): prefix + industry noun + suffix.
EN_PREFIXES = (
    "Acme",
    "Northwind",
    "Bluepeak",
    "Silverline",
    "Evergreen",
    "Pacific",
    "Orient",
    "Summit",
    "Apex",
    "Horizon",
    "Redwood",
    "Brightstar",
    "Crestview",
    "Ironbridge",
    "Lumina",
    "Nova",
    "Vertex",
    "Zenith",
    "Harbor",
    "Golden Gate",
    "Keystone",
    "Meridian",
    "Sterling",
    "Tidewater",
)
EN_NOUNS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("Robotics", "Precision Tools", "Industrial", "Components", "Automation"),
    "technology": ("Software", "Analytics", "Cloud Systems", "Networks", "Semiconductor"),
    "finance": ("Capital", "Leasing", "Asset Management"),
    "retail": ("Trading", "Foods", "Consumer Brands", "Retail"),
    "healthcare": ("Medical", "Life Sciences", "Diagnostics"),
    "education": ("Learning", "Education"),
    "energy": ("Energy", "Solar", "Power Systems"),
    "logistics": ("Logistics", "Freight", "Supply Chain"),
    "real_estate": ("Properties", "Realty"),
    "professional_services": ("Consulting", "Advisory", "Partners"),
    "government": ("Public Services",),
    "other": ("Holdings", "Ventures"),
}
EN_SUFFIXES = ("Ltd.", "Co., Ltd.", "Inc.", "(China) Co., Ltd.", "Group", "GmbH", "Pte. Ltd.")

ROADS = (
    "人民",
    "中山",
    "解放",
    "建设",
    "和平",
    "长江",
    "黄河",
    "科技",
    "创业",
    "学府",
    "滨江",
    "世纪",
    "金融",
    "东方",
    "新华",
    "迎宾",
    "工业",
    "兴业",
    "高新",
    "长安",
    "青年",
    "湖滨",
    "锦绣",
    "振兴",
)
ROAD_KINDS = ("路", "大道", "街", "路", "路")
PARKS = ("科技园", "产业园", "工业园", "大厦", "中心", "广场", "创新港", "软件园")

COMPETITORS = (
    "蓝海软件",
    "智云CRM",
    "汇智科技",
    "启明星系统",
    "Globex CRM",
    "Initech",
    "本地集成商",
)

PRODUCTS_ZH = (
    "CRM系统采购",
    "销售管理平台升级",
    "ERP二期实施",
    "数字化工厂改造",
    "智能仓储设备采购",
    "年度维保续约",
    "数据中台建设",
    "渠道管理系统",
    "客服中心扩容",
    "移动办公平台",
    "生产线自动化改造",
    "供应链协同平台",
    "年度框架采购",
    "新厂区设备采购",
    "信息安全加固",
    "营销自动化项目",
    "培训服务包",
    "技术咨询服务",
    "质量追溯系统",
    "能耗管理平台",
)
PRODUCTS_EN = (
    "CRM rollout",
    "Annual support renewal",
    "Sales analytics upgrade",
    "Factory automation",
    "Warehouse robotics",
    "Data platform",
    "Partner portal",
    "Service desk expansion",
    "Security hardening",
    "Training package",
)
NEXT_STEPS_ZH = (
    "安排技术交流",
    "发送报价单",
    "确认预算",
    "约见决策人",
    "提交方案",
    "商务谈判",
    "等待招标公告",
    "安排演示",
    "准备合同",
    "客户内部评审",
)
NEXT_STEPS_EN = (
    "Schedule demo",
    "Send quote",
    "Confirm budget",
    "Meet decision maker",
    "Submit proposal",
    "Negotiate terms",
    "Prepare contract",
)

# Activity subjects; {c} contact, {a} account short name, {o} opportunity topic.
TASK_SUBJECTS_ZH = (
    "跟进{c}的报价反馈",
    "准备{o}技术方案",
    "发送合同草稿给{c}",
    "确认{a}付款计划",
    "整理{a}需求清单",
    "更新{o}商机阶段",
    "提交{a}投标文件",
    "回访{c}使用情况",
)
CALL_SUBJECTS_ZH = (
    "电话沟通{o}进展",
    "与{c}电话确认需求",
    "电话回访{a}",
    "电话邀约{c}参加产品发布会",
)
VISIT_SUBJECTS_ZH = (
    "拜访{a}：需求调研",
    "拜访{c}：方案汇报",
    "上门拜访{a}：商务洽谈",
    "拜访{a}：年度回顾",
)
NOTE_SUBJECTS_ZH = ("{a}近况记录", "{c}沟通纪要", "{o}竞争情况备忘", "{a}组织架构梳理")
EMAIL_SUBJECTS_ZH = ("发送{o}报价单", "发送产品资料给{c}", "会议纪要：{o}")
TASK_SUBJECTS_EN = (
    "Follow up with {c} on the quote",
    "Prepare proposal for {o}",
    "Send contract draft to {c}",
    "Confirm payment schedule with {a}",
)
CALL_SUBJECTS_EN = ("Call {c} about {o}", "Check-in call with {a}")
VISIT_SUBJECTS_EN = ("On-site visit at {a}", "Quarterly business review with {c}")
NOTE_SUBJECTS_EN = ("Notes on {a}", "Competitive situation for {o}")
EMAIL_SUBJECTS_EN = ("Quote for {o}", "Product brochure for {c}")

ACTIVITY_DETAILS_ZH = (
    "客户对方案整体认可，关注交付周期和售后响应。",
    "对方采购流程较长，需提前准备资质材料。",
    "决策人下周出差，约定月底前再沟通。",
    "竞争对手报价更低，需要突出实施经验和本地服务。",
    "客户希望先做小范围试点，再逐步推广。",
    "已演示核心功能，IT部门提出了数据迁移问题。",
    "预算已批，等待法务审核合同条款。",
    "客户反馈良好，有转介绍意向。",
)
ACTIVITY_DETAILS_EN = (
    "The customer likes the proposal; delivery time and support SLAs are their main concerns.",
    "Budget approved, waiting for legal review of the contract.",
    "They want a pilot in one plant before rolling out.",
    "A competitor quoted lower; stress implementation experience and local service.",
)

ACCOUNT_NOTES_ZH = (
    "行业头部企业，近两年在推进数字化转型。",
    "老客户，合作关系稳定，有增购需求。",
    "通过展会结识，目前处于需求摸底阶段。",
    "集团统一采购，决策链较长。",
    "对价格敏感，更看重性价比和实施周期。",
    "外资背景，流程规范，重视数据安全合规。",
)
