"""The importer's messages (row and file errors), in English and Simplified Chinese."""

from __future__ import annotations

from keyi.platform.i18n import MESSAGES

MESSAGES.update(
    {
        "file_unreadable": {
            "en": "The file cannot be read as {format}: {reason}",
            "zh-CN": "无法按 {format} 读取文件：{reason}",
        },
        "file_encoding": {
            "en": "The file is not text in UTF-8, GBK/GB18030 or UTF-16.",
            "zh-CN": "文件编码无法识别（支持 UTF-8、GBK/GB18030、UTF-16）。",
        },
        "file_too_large": {
            "en": "The file is larger than {max_mb} MB.",
            "zh-CN": "文件超过 {max_mb} MB。",
        },
        "file_format": {
            "en": "Import reads .csv, .txt, .xlsx and .xls files.",
            "zh-CN": "仅支持导入 .csv、.txt、.xlsx 和 .xls 文件。",
        },
        "file_empty": {"en": "The file has no rows.", "zh-CN": "文件中没有数据行。"},
        "no_header": {
            "en": "No header row matches the object's fields.",
            "zh-CN": "未找到与对象字段对应的标题行。",
        },
        "sheet_not_found": {
            "en": "The workbook has no sheet '{sheet}'.",
            "zh-CN": "工作簿中没有工作表“{sheet}”。",
        },
        "ragged_row": {
            "en": "The row has {cells} cells; the header has {expected}.",
            "zh-CN": "该行有 {cells} 个单元格，标题行有 {expected} 个。",
        },
        "duplicate_key": {
            "en": "The key '{value}' already appeared in row {row}.",
            "zh-CN": "键值“{value}”已在第 {row} 行出现。",
        },
        "ambiguous_reference": {
            "en": "'{value}' matches {count} records; use an id or a unique value.",
            "zh-CN": "“{value}”匹配到 {count} 条记录，请使用 ID 或唯一值。",
        },
        "formula_not_allowed": {
            "en": "A formula is only imported (as text) into a text field.",
            "zh-CN": "公式只能作为文本导入到文本字段。",
        },
        "key_missing": {
            "en": "The key column is empty.",
            "zh-CN": "键列为空。",
        },
        "key_not_found": {
            "en": "No record has this key.",
            "zh-CN": "没有记录具有此键值。",
        },
        "key_ambiguous": {
            "en": "More than one record has this key.",
            "zh-CN": "有多条记录具有此键值。",
        },
        "not_importable": {
            "en": "Field '{field}' cannot be imported into ({reason}).",
            "zh-CN": "字段“{field}”不能导入（{reason}）。",
        },
        "invalid_key": {
            "en": "The key is 'id' or a unique field; '{field}' is neither.",
            "zh-CN": "键必须是 id 或唯一字段，“{field}”都不是。",
        },
        "key_not_mapped": {
            "en": "No column is mapped to the key field '{field}'.",
            "zh-CN": "没有列映射到键字段“{field}”。",
        },
        "invalid_mapping": {
            "en": "The column mapping cannot be used; see its errors.",
            "zh-CN": "列映射无法使用，请查看其中的错误。",
        },
        "nothing_mapped": {
            "en": "No column is mapped to a field.",
            "zh-CN": "没有列映射到字段。",
        },
        "mapping_not_found": {
            "en": "No saved mapping '{name}' for this object.",
            "zh-CN": "此对象没有名为“{name}”的已保存映射。",
        },
        "import_not_cancellable": {
            "en": "Only a queued or running import can be cancelled.",
            "zh-CN": "只能取消排队中或进行中的导入。",
        },
        "import_not_undoable": {
            "en": "Only a finished import that wrote records can be undone.",
            "zh-CN": "只能撤销已完成且写入了记录的导入。",
        },
        "changed_since_import": {
            "en": "Changed since the import; left as it is.",
            "zh-CN": "导入后已被修改，未恢复。",
        },
    }
)
