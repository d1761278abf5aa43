"""Message catalogue for server-side texts (errors), in English and Simplified Chinese.

Labels of objects and fields live in metadata; only the platform's own messages are here.
"""

from __future__ import annotations

from typing import Any


class MessageCatalogue(dict[str, dict[str, str]]):
    """Error messages by code. Packages add theirs at import (``MESSAGES.update``); a code
    already meaning something else is refused, not overwritten: two packages' "already_member"
    once made a campaign's duplicate member read "Already a member of this segment", depending
    on which module happened to be imported last."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        for code, texts in dict(*args, **kwargs).items():
            if code in self and self[code] != texts:
                raise ValueError(f"message code {code!r} is already defined differently")
            self[code] = texts


_PLATFORM_MESSAGES: dict[str, dict[str, str]] = {
    "required": {"en": "This field is required.", "zh-CN": "此字段为必填项。"},
    "unknown_field": {"en": "Unknown field '{field}'.", "zh-CN": "未知字段“{field}”。"},
    "read_only": {"en": "This field is read-only.", "zh-CN": "此字段为只读。"},
    "invalid_text": {"en": "Must be text.", "zh-CN": "必须是文本。"},
    "invalid_json": {
        "en": "Must be a JSON object or list.",
        "zh-CN": "必须是 JSON 对象或列表。",
    },
    "too_short": {
        "en": "Must be at least {min} characters.",
        "zh-CN": "长度不能少于 {min} 个字符。",
    },
    "internal_error": {
        "en": "Something went wrong on our side; nothing was saved.",
        "zh-CN": "服务器内部错误，未保存任何内容。",
    },
    # The HTTP edge (keyi.api.edge, keyi.api.errors)
    "method_not_allowed": {
        "en": "This method is not allowed here.",
        "zh-CN": "此地址不支持该请求方法。",
    },
    "payload_too_large": {
        "en": "The request body is larger than {limit} bytes.",
        "zh-CN": "请求内容超过 {limit} 字节的上限。",
    },
    "database_unavailable": {
        "en": "The database is busy or unavailable; please retry shortly. Nothing was saved.",
        "zh-CN": "数据库繁忙或暂不可用，请稍后重试。未保存任何内容。",
    },
    "metrics_token_required": {
        "en": "Metrics need the metrics token or an allowed address.",
        "zh-CN": "查看监控指标需要指标令牌或来自允许的地址。",
    },
    "invalid_unicode": {
        "en": "Contains characters that are not valid Unicode text.",
        "zh-CN": "包含无效的 Unicode 字符。",
    },
    "too_deep": {"en": "Nested too deeply.", "zh-CN": "嵌套层级过深。"},
    "conflict": {
        "en": "The request conflicts with the current state.",
        "zh-CN": "请求与当前状态冲突。",
    },
    "action_unavailable": {
        "en": "This action is not available for the record in its current state.",
        "zh-CN": "该记录当前状态下不能执行此操作。",
    },
    "already_converted": {
        "en": "This lead was already converted.",
        "zh-CN": "该线索已转换。",
    },
    "lead_converted": {
        "en": "A converted lead can no longer be changed; edit its account or contact instead.",
        "zh-CN": "已转换的线索不能再修改，请修改转换后的客户或联系人。",
    },
    "duplicates_found": {
        "en": "Possible duplicates exist: pick one, or confirm to create new records.",
        "zh-CN": "发现可能重复的记录：请选择已有记录，或确认新建。",
    },
    "exclusive_with": {
        "en": "Give either this or '{other}', not both.",
        "zh-CN": "此项与“{other}”只能填写其一。",
    },
    "not_pooled": {
        "en": "'{object}' records do not belong to a public pool.",
        "zh-CN": "“{object}”记录不属于公海。",
    },
    "already_claimed": {"en": "Someone already owns this record.", "zh-CN": "该记录已被他人领取。"},
    "claim_limit": {
        "en": "You may hold at most {limit} records from this pool (you hold {held}).",
        "zh-CN": "您最多可从该公海持有 {limit} 条记录（当前 {held} 条）。",
    },
    "weak_password": {
        "en": "This password is too easy to guess: use a longer phrase or mix in unusual "
        "words, digits and symbols.",
        "zh-CN": "密码太容易被猜到：请使用更长的短语，或混合不常见的词、数字与符号。",
    },
    # ---- account security (identity helper, issue 11)
    "password_common": {
        "en": "This is one of the most common passwords; choose another.",
        "zh-CN": "这是最常见的密码之一，请换一个。",
    },
    "password_personal": {
        "en": "The password must not contain your email or name.",
        "zh-CN": "密码不能包含您的邮箱或姓名。",
    },
    "password_control_characters": {
        "en": "The password must not contain control or invisible characters.",
        "zh-CN": "密码不能包含控制字符或不可见字符。",
    },
    "password_unchanged": {
        "en": "Choose a password different from the current one.",
        "zh-CN": "新密码不能与当前密码相同。",
    },
    "reset_link_invalid": {
        "en": "This reset link is not valid or was already used; ask for a new one.",
        "zh-CN": "重置链接无效或已被使用，请重新申请。",
    },
    "reset_link_expired": {
        "en": "This reset link has expired; ask for a new one.",
        "zh-CN": "重置链接已过期，请重新申请。",
    },
    # ---- end account security
    "locked": {
        "en": "Too many failed sign-ins; try again in {minutes} minutes.",
        "zh-CN": "登录失败次数过多，请 {minutes} 分钟后再试。",
    },
    "rate_limited": {"en": "Too many requests; slow down.", "zh-CN": "请求过于频繁，请稍后再试。"},
    "totp_required": {
        "en": "Enter the code from your authenticator app.",
        "zh-CN": "请输入身份验证器中的动态码。",
    },
    "bad_totp": {"en": "That code is not valid.", "zh-CN": "动态码无效。"},
    "totp_already_enabled": {
        "en": "Two-factor sign-in is already on.",
        "zh-CN": "已开启双因素登录。",
    },
    "read_only_key": {"en": "This API key may only read.", "zh-CN": "该 API 密钥只有读取权限。"},
    "too_long": {
        "en": "Must be at most {max} characters.",
        "zh-CN": "长度不能超过 {max} 个字符。",
    },
    "invalid_integer": {"en": "Must be a whole number.", "zh-CN": "必须是整数。"},
    "invalid_number": {"en": "Must be a number.", "zh-CN": "必须是数字。"},
    "number_too_large": {"en": "The number is too large.", "zh-CN": "数值过大。"},
    "invalid_boolean": {"en": "Must be true or false.", "zh-CN": "必须是“是”或“否”。"},
    "invalid_date": {"en": "Must be a date (YYYY-MM-DD).", "zh-CN": "必须是日期（YYYY-MM-DD）。"},
    "invalid_period": {
        "en": "A relative period (this_month, last_n_days:30, ...) or from and to dates, "
        "the end not before the start.",
        "zh-CN": "请填写相对期间（如 this_month、last_n_days:30）或起止日期，"
        "结束日期不能早于开始日期。",
    },
    "pipeline_not_found": {
        "en": "This company has no sales pipeline to analyse.",
        "zh-CN": "当前企业没有可分析的销售流程。",
    },
    "invalid_datetime": {
        "en": "Must be a date and time (ISO 8601).",
        "zh-CN": "必须是日期时间（ISO 8601）。",
    },
    "invalid_email": {"en": "Must be an email address.", "zh-CN": "必须是有效的邮箱地址。"},
    "invalid_phone": {"en": "Must be a phone number.", "zh-CN": "必须是有效的电话号码。"},
    "invalid_url": {
        "en": "Must be a web address (http/https).",
        "zh-CN": "必须是网址（http/https）。",
    },
    "invalid_option": {
        "en": "'{value}' is not one of the allowed values.",
        "zh-CN": "“{value}”不是允许的选项。",
    },
    # Reports, their folders and exports (keyi.platform.analytics).
    "invalid_choice": {"en": "Not one of the allowed choices.", "zh-CN": "不是允许的选项。"},
    "invalid_cron": {
        "en": "Not a schedule: use cron (minute hour day month weekday), e.g. 0 9 * * 1.",
        "zh-CN": "计划格式无效：请使用 cron 格式（分 时 日 月 周），例如 0 9 * * 1。",
    },
    "alert_roles_need_admin": {
        "en": "Only administrators send alerts and reports to roles.",
        "zh-CN": "只有管理员可以把预警和报表发送给角色。",
    },
    "not_shared": {
        "en": "A role's home dashboard must be in a folder shared with others.",
        "zh-CN": "角色首页的仪表盘必须位于已共享的文件夹中。",
    },
    "too_many_groupings": {
        "en": "At most {max} groupings.",
        "zh-CN": "最多 {max} 个分组。",
    },
    "report_field_hidden": {
        "en": "This report uses the field '{field}', which you may not see.",
        "zh-CN": "此报表使用了您无权查看的字段“{field}”。",
    },
    "report_not_readable": {
        "en": "This report is about records you may not read.",
        "zh-CN": "此报表涉及您无权查看的记录。",
    },
    "folder_not_empty": {
        "en": "The folder still holds {reports} report(s) and {dashboards} dashboard(s); move "
        "or delete them first.",
        "zh-CN": "该文件夹中仍有 {reports} 个报表和 {dashboards} 个仪表盘，请先移走或删除。",
    },
    "folder_not_writable": {
        "en": "Only the folder's managers put reports into it or take them out.",
        "zh-CN": "只有文件夹的管理者可以放入或移出报表。",
    },
    "sharing_needs_admin": {
        "en": "Only administrators share folders with others.",
        "zh-CN": "只有管理员可以共享文件夹。",
    },
    "too_many_columns": {
        "en": "The matrix has {columns} columns; a spreadsheet holds at most {max}.",
        "zh-CN": "矩阵共 {columns} 列，电子表格最多 {max} 列。",
    },
    "invalid_currency": {
        "en": "Must be a three-letter currency code.",
        "zh-CN": "必须是三位字母的币种代码。",
    },
    "invalid_reference": {
        "en": "No such {target} record.",
        "zh-CN": "找不到该{target}记录。",
    },
    "not_unique": {
        "en": "Another record already has this value.",
        "zh-CN": "已有其他记录使用了此值。",
    },
    "validation_rule": {"en": "{message}", "zh-CN": "{message}"},
    "rule_timeout": {
        "en": "The rule '{rule}' took too long to check this value; change the value.",
        "zh-CN": "规则“{rule}”校验此值超时，请修改该值。",
    },
    "not_found": {"en": "Not found.", "zh-CN": "未找到。"},
    "record_not_found": {"en": "No such record.", "zh-CN": "记录不存在。"},
    "object_not_found": {"en": "No such object '{object}'.", "zh-CN": "对象“{object}”不存在。"},
    "field_not_found": {"en": "No such field '{field}'.", "zh-CN": "字段“{field}”不存在。"},
    "stale_version": {
        "en": "Someone else changed this record (now version {current}); reload and retry.",
        "zh-CN": "该记录已被他人修改（当前版本 {current}），请刷新后重试。",
    },
    "forbidden": {"en": "You are not allowed to do this.", "zh-CN": "您没有执行此操作的权限。"},
    "unauthenticated": {"en": "Please sign in.", "zh-CN": "请先登录。"},
    "bad_credentials": {"en": "Wrong email or password.", "zh-CN": "邮箱或密码错误。"},
    "choose_tenant": {
        "en": "This email belongs to several companies; choose one.",
        "zh-CN": "该邮箱属于多个企业，请选择一个。",
    },
    "csrf": {"en": "Missing or wrong CSRF token.", "zh-CN": "缺少或错误的 CSRF 令牌。"},
    "invalid_request": {"en": "The request is not valid.", "zh-CN": "请求无效。"},
    "invalid_filter": {"en": "Invalid filter: {reason}", "zh-CN": "筛选条件无效：{reason}"},
    "invalid_sort": {"en": "Cannot sort by '{field}'.", "zh-CN": "不能按“{field}”排序。"},
    "invalid_cursor": {"en": "The cursor is not valid.", "zh-CN": "分页游标无效。"},
    "flow_cycle": {
        "en": "This flow updates its own record after every update, with no condition to stop "
        "it: it would run forever. Add a condition or run it only when the record starts to "
        "match.",
        "zh-CN": "此流程在每次更新后都会更新记录本身，且没有停止条件，会无限循环。请添加条件，"
        "或仅在记录开始满足条件时运行。",
    },
    "flow_before_save_delete": {
        "en": "A flow that runs before save cannot start on delete.",
        "zh-CN": "保存前运行的流程不能由删除触发。",
    },
    "flow_before_save_action": {
        "en": "Before save, a flow can only update fields of the record being saved.",
        "zh-CN": "保存前运行的流程只能更新正在保存的记录的字段。",
    },
    "record_in_approval": {
        "en": "This record is waiting for approval ({process}) and cannot be changed until it is "
        "decided or recalled.",
        "zh-CN": "此记录正在审批中（{process}），审批完成或撤回前不能修改。",
    },
    "approval_pending": {
        "en": "This record is already waiting for approval.",
        "zh-CN": "此记录已在审批中。",
    },
    "approval_no_process": {
        "en": "No approval process applies to this record.",
        "zh-CN": "没有适用于此记录的审批流程。",
    },
    "approval_no_approver": {
        "en": "Nobody can approve the step '{step}'.",
        "zh-CN": "审批步骤“{step}”没有可审批的人。",
    },
    "approval_nobody": {
        "en": "Nobody could approve: no active user is named here.",
        "zh-CN": "无人可以审批：这里没有指定任何启用的用户。",
    },
    "approval_already_decided": {
        "en": "You have already acted on this approval, or it is no longer waiting.",
        "zh-CN": "您已处理过此审批，或该审批已结束。",
    },
    "approval_finished": {
        "en": "This approval has already ended.",
        "zh-CN": "此审批已经结束。",
    },
    "approval_already_approver": {
        "en": "This person already approves this step.",
        "zh-CN": "此人已是该步骤的审批人。",
    },
    "flow_not_an_email_field": {
        "en": "'{field}' is not an email field of this object.",
        "zh-CN": "“{field}”不是此对象的邮箱字段。",
    },
    "flow_bad_cron": {
        "en": "Not a schedule: five fields, minute hour day month weekday (e.g. 0 9 * * 1).",
        "zh-CN": "不是有效的计划：需要五个字段，分 时 日 月 周（例如 0 9 * * 1）。",
    },
    "flow_not_a_date": {
        "en": "'{field}' is not a date or date-time field of this object.",
        "zh-CN": "“{field}”不是此对象的日期或日期时间字段。",
    },
    "flow_needs_record": {
        "en": "Without an object, a scheduled flow can only create records and notify named "
        "users or roles.",
        "zh-CN": "未指定对象的计划流程只能新建记录，或通知指定的用户或角色。",
    },
    "flow_action_failed": {
        "en": "A flow action could not be done with this record.",
        "zh-CN": "流程动作无法在此记录上执行。",
    },
    "flow_not_a_user_field": {
        "en": "'{field}' is not a field of this object pointing to a user.",
        "zh-CN": "“{field}”不是此对象中指向用户的字段。",
    },
    "flow_not_owned": {
        "en": "Records of '{object}' have no owner to assign.",
        "zh-CN": "“{object}”的记录没有负责人可分配。",
    },
    "flow_no_assignee": {
        "en": "Nobody can take the record: the user is inactive or the team has no active member.",
        "zh-CN": "没有可分配的人：该用户已停用，或团队中没有启用的成员。",
    },
    "flow_not_a_lookup": {
        "en": "'{field}' is not a lookup of this object.",
        "zh-CN": "“{field}”不是此对象的查找字段。",
    },
    "invalid_id": {"en": "Must be an id (UUID).", "zh-CN": "必须是有效的 ID（UUID）。"},
    "job_not_dead": {
        "en": "Only a job that ran out of attempts can be retried.",
        "zh-CN": "只有已用尽重试次数的任务才能重试。",
    },
    "invalid_expression": {"en": "Invalid expression: {reason}", "zh-CN": "表达式无效：{reason}"},
    # Notification templates (keyi.platform.notify.templates)
    "invalid_template": {
        "en": "Invalid template (line {line}): {reason}",
        "zh-CN": "模板无效（第 {line} 行）：{reason}",
    },
    "unknown_merge_field": {
        "en": "Unknown merge field '{name}'.",
        "zh-CN": "未知的合并字段“{name}”。",
    },
    "missing_locale": {
        "en": "The {locale} version is missing.",
        "zh-CN": "缺少 {locale} 版本。",
    },
    "type_mismatch": {
        "en": "The formula gives {actual}, but its return type is {expected}.",
        "zh-CN": "公式的结果是 {actual}，与返回类型 {expected} 不符。",
    },
    "not_boolean": {
        "en": "The condition must be true or false; this one gives {type}.",
        "zh-CN": "条件的结果必须是真或假，此条件的结果是 {type}。",
    },
    "invalid_name": {
        "en": "Names are lower-case letters, digits and '_', starting with a letter.",
        "zh-CN": "名称只能包含小写字母、数字和下划线，并以字母开头。",
    },
    "name_taken": {"en": "The name '{name}' is already used.", "zh-CN": "名称“{name}”已被使用。"},
    "reserved_name": {"en": "The name '{name}' is reserved.", "zh-CN": "名称“{name}”为保留名称。"},
    "invalid_metadata": {"en": "{reason}", "zh-CN": "{reason}"},
    "in_use": {"en": "Still used by {by}.", "zh-CN": "仍被 {by} 使用。"},
    "department_not_empty": {
        "en": "Move its {departments} sub-department(s) and {users} user(s) elsewhere first.",
        "zh-CN": "请先将其下的 {departments} 个子部门和 {users} 名用户移到其他部门。",
    },
    "restore_conflict": {
        "en": "The record cannot be restored: {reason}",
        "zh-CN": "无法恢复该记录：{reason}",
    },
    "not_deleted": {"en": "The record is not in the recycle bin.", "zh-CN": "该记录不在回收站中。"},
    "idempotency_conflict": {
        "en": "This Idempotency-Key was used with a different request.",
        "zh-CN": "该幂等键已用于另一个请求。",
    },
    "idempotency_in_progress": {
        "en": "A request with this Idempotency-Key is still being processed; retry shortly.",
        "zh-CN": "使用该幂等键的请求仍在处理中，请稍后重试。",
    },
    "conflict_retry": {
        "en": "The request collided with another change and was not applied; send it again.",
        "zh-CN": "该请求与其他修改冲突，未被执行，请重新提交。",
    },
    "precision_exceeded": {
        "en": "This database keeps numbers to {digits} significant digits; shorten the value.",
        "zh-CN": "此数据库的数字最多保留 {digits} 位有效数字，请缩短该值。",
    },
    "owner_out_of_scope": {
        "en": "You cannot assign records to this user.",
        "zh-CN": "您不能将记录分配给该用户。",
    },
    "tenant_unknown": {"en": "No such company '{tenant}'.", "zh-CN": "企业“{tenant}”不存在。"},
    # Users: invitations, deactivation, ownership transfer.
    "user_exists": {
        "en": "A user with this email already exists in this company.",
        "zh-CN": "本企业已有使用该邮箱的用户。",
    },
    "invitation_invalid": {
        "en": "This invitation is not valid (already used or withdrawn).",
        "zh-CN": "该邀请无效（已被使用或已撤回）。",
    },
    "invitation_expired": {
        "en": "This invitation has expired; ask for a new one.",
        "zh-CN": "该邀请已过期，请联系管理员重新邀请。",
    },
    "no_invitation": {
        "en": "This user has no pending invitation.",
        "zh-CN": "该用户没有待接受的邀请。",
    },
    "already_active": {"en": "This user is already active.", "zh-CN": "该用户已处于启用状态。"},
    "invitation_pending": {
        "en": "This user has not accepted the invitation yet.",
        "zh-CN": "该用户尚未接受邀请。",
    },
    "invitation_not_accepted": {
        "en": "This person never accepted an invitation as this user; invite them again.",
        "zh-CN": "此人从未以该用户身份接受邀请，请重新邀请。",
    },
    "cannot_deactivate_self": {
        "en": "You cannot deactivate yourself or remove your own administrator rights.",
        "zh-CN": "不能停用自己的账号或取消自己的管理员权限。",
    },
    "cannot_delete_self": {
        "en": "You cannot delete your own user.",
        "zh-CN": "不能删除自己的用户。",
    },
    "last_admin": {
        "en": "This is the last active administrator; make someone else an administrator first.",
        "zh-CN": "这是最后一位启用的管理员，请先指定其他管理员。",
    },
    "user_inactive": {
        "en": "This user is not active.",
        "zh-CN": "该用户未启用。",
    },
    "same_user": {
        "en": "Choose a different user to transfer to.",
        "zh-CN": "请选择另一位用户作为接收人。",
    },
    "not_owned": {
        "en": "'{object}' records have no owner.",
        "zh-CN": "“{object}”记录没有负责人。",
    },
    "circular_manager": {
        "en": "A user cannot report to themselves, directly or indirectly.",
        "zh-CN": "用户不能直接或间接地向自己汇报。",
    },
    "core_contract": {
        "en": "The platform needs this ({expected}): {problem}.",
        "zh-CN": "平台依赖此项（{expected}）：{problem}。",
    },
    # Webhook targets (keyi.platform.webhooks.targets)
    "url_scheme": {
        "en": "A webhook address must start with https:// or http://.",
        "zh-CN": "Webhook 地址必须以 https:// 或 http:// 开头。",
    },
    "url_host": {
        "en": "A webhook address needs a host name.",
        "zh-CN": "Webhook 地址缺少主机名。",
    },
    "url_credentials": {
        "en": "A webhook address may not contain a user name or password.",
        "zh-CN": "Webhook 地址中不能包含用户名或密码。",
    },
    "url_unresolvable": {
        "en": "The host '{host}' could not be found.",
        "zh-CN": "找不到主机“{host}”。",
    },
    "url_private_address": {
        "en": "'{host}' points to a private, local or reserved network address; "
        "webhooks are only sent to public addresses.",
        "zh-CN": "“{host}”指向私有、本地或保留网络地址；Webhook 只能发送到公网地址。",
    },
    # Webhook subscriptions (keyi.platform.webhooks.subscriptions)
    "invalid_event": {
        "en": "'{value}' is not an event; events are written object.verb, e.g. "
        "opportunity.updated.",
        "zh-CN": "“{value}”不是有效事件；事件格式为 对象.动作，例如 opportunity.updated。",
    },
    "unknown_object": {"en": "There is no object '{object}'.", "zh-CN": "对象“{object}”不存在。"},
    "invalid_event_verb": {
        "en": "'{value}' is not an event; use created, updated, deleted or *.",
        "zh-CN": "“{value}”不是有效事件；可用 created、updated、deleted 或 *。",
    },
    "too_many": {"en": "At most {max} items.", "zh-CN": "最多 {max} 项。"},
    "not_a_parent_link": {
        "en": "Not a field of this object that points at {object}.",
        "zh-CN": "该字段不是指向{object}的关联字段。",
    },
    "no_parent_link": {
        "en": "This object has no field that points at {object}.",
        "zh-CN": "该对象没有指向{object}的关联字段。",
    },
    "ambiguous_parent_link": {
        "en": "Several fields point at {object}: name the one to use.",
        "zh-CN": "有多个字段指向{object}，请指定使用哪一个。",
    },
    "set_by_parent": {
        "en": "Set from the record created with it; leave it out.",
        "zh-CN": "此值由同时创建的上级记录填写，请勿提供。",
    },
    "webhook_not_found": {"en": "There is no such webhook.", "zh-CN": "Webhook 不存在。"},
    "webhook_delivery_not_found": {
        "en": "There is no such webhook delivery.",
        "zh-CN": "Webhook 投递记录不存在。",
    },
    "webhook_delivery_pending": {
        "en": "This delivery is still being sent; replay it once it has finished.",
        "zh-CN": "该投递仍在发送中，请在结束后再重新发送。",
    },
    "webhook_inactive": {
        "en": "This webhook is switched off; switch it on before replaying its events.",
        "zh-CN": "该 Webhook 已停用，请先启用再重新发送事件。",
    },
    # Robot channels (keyi.platform.notify.channels) and the flow action posting to them
    "robot_channel_not_found": {
        "en": "There is no such robot channel.",
        "zh-CN": "机器人频道不存在。",
    },
    "robot_channel_inactive": {
        "en": "This robot channel is switched off; switch it on in Setup › Robot channels.",
        "zh-CN": "该机器人频道已停用，请在“设置 › 群机器人”中启用。",
    },
    "robot_channel_in_use": {
        "en": "Flows post to this robot channel ({flows}); change or delete them first, "
        "or switch the channel off.",
        "zh-CN": "有流程向该机器人频道发送消息（{flows}）；请先修改或删除这些流程，或停用该频道。",
    },
    "robot_url_vendor": {
        "en": "This is the address of a {vendor} robot; choose that vendor.",
        "zh-CN": "这是 {vendor} 机器人的地址，请选择对应的平台。",
    },
    # Document template (keyi.platform.documents.template)
    "document_logo_not_found": {
        "en": "The company has no logo for its documents.",
        "zh-CN": "企业尚未设置单据徽标。",
    },
    "logo_too_large": {
        "en": "The logo may be at most {max_kb} KB.",
        "zh-CN": "徽标文件不能超过 {max_kb} KB。",
    },
    "logo_invalid": {
        "en": "The logo must be a PNG or JPEG image of at most {max_px} pixels a side.",
        "zh-CN": "徽标必须是 PNG 或 JPEG 图片，每边不超过 {max_px} 像素。",
    },
    "invalid_color": {
        "en": "Must be a colour such as #1677FF.",
        "zh-CN": "必须是颜色值，例如 #1677FF。",
    },
    "secret_unreadable": {
        "en": "The stored value can no longer be read (the installation's key changed); "
        "enter it again.",
        "zh-CN": "已保存的值无法再读取（系统密钥已更换），请重新填写。",
    },
    # Lead-to-cash (package l2c)
    "invalid_status": {
        "en": "Not possible while the record's status is {status}.",
        "zh-CN": "记录当前状态为「{status}」，不能执行此操作。",
    },
    "quote_superseded": {
        "en": "This quote was replaced by a newer version and can no longer be changed.",
        "zh-CN": "此报价单已有新版本，不能再修改。",
    },
    "price_book_missing": {
        "en": "No price book: choose one on the lines or mark a price book as standard.",
        "zh-CN": "没有价目表：请在明细中选择价目表，或设置一个标准价目表。",
    },
    "installments_sum": {
        "en": "The installments add up to {total}, not the contract amount {amount}.",
        "zh-CN": "各期合计为 {total}，与合同金额 {amount} 不一致。",
    },
    "end_before_start": {
        "en": "The end date is before the start date.",
        "zh-CN": "结束日期早于开始日期。",
    },
    "renewal_exists": {
        "en": "This contract already has a renewal opportunity.",
        "zh-CN": "此合同已有续约商机。",
    },
    "exchange_rate_missing": {
        "en": "No exchange rate for {currency} is valid on this day.",
        "zh-CN": "该日期没有有效的 {currency} 汇率。",
    },
    "must_be_positive": {"en": "Must be greater than 0.", "zh-CN": "必须大于 0。"},
    "installments_paid": {
        "en": "Payment plans that already have payments cannot be replaced.",
        "zh-CN": "已有回款的回款计划不能被替换。",
    },
}
MESSAGES = MessageCatalogue(_PLATFORM_MESSAGES)


def negotiate(accept_language: str | None) -> str:
    """Pick en or zh-CN from an Accept-Language header (zh, zh-CN, zh-Hans all mean zh-CN)."""
    if not accept_language:
        return "en"
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, q = piece.partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((weight, tag.strip().lower()))
    for _, tag in sorted(weighted, key=lambda item: -item[0]):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def message(code: str, locale: str, /, **params: Any) -> str:
    """The catalogue text for a code in a locale, falling back to English then to the code.

    Positional-only, so that an error's own ``locale`` parameter (a template missing a
    language: ``missing_locale``) fills the text instead of clashing with the argument."""
    entry = MESSAGES.get(code)
    if entry is None:
        return code
    template = entry.get(locale) or entry["en"]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def label(labels: dict[str, str] | None, locale: str, fallback: str = "") -> str:
    """The best label of a metadata label map for a locale."""
    if not labels:
        return fallback
    return labels.get(locale) or labels.get("en") or next(iter(labels.values()), fallback)
