"""User-facing errors and warnings: a stable code, where it happened, one line in Chinese or English.

The library raises :class:`UserError` (and subclasses) for problems the user
can fix: a missing file, a mapped column the file lacks, a file that is no
known table. ``str(error)`` is the English line, for logs and library users;
the CLI renders :meth:`UserError.message` in the user's language (Chinese by
default) and, with ``--json``, :meth:`UserError.as_json`. Warnings work the
same way through :class:`InputWarning` (Python's ``warnings`` module).

Exit codes (the CLI's contract, documented in the README): ``OK`` 0,
``REJECTS_ABOVE_LIMIT`` 1 (also a failure while the run was under way),
``USAGE`` 2 (usage or input error, found before any work), ``NEW_RINGS`` 3
(reserved for nightly scans that found new rings).
"""
from __future__ import annotations

from typing import Any

__all__ = ["UserError", "InputWarning", "text", "OK", "REJECTS_ABOVE_LIMIT", "RUN_FAILED", "USAGE", "NEW_RINGS",
           "MESSAGES"]

OK = 0
REJECTS_ABOVE_LIMIT = 1
RUN_FAILED = 1
USAGE = 2
NEW_RINGS = 3

_README = {"zh": "见 README「Loading your own exports」", "en": "see README, Loading your own exports"}

# code → {lang: template}. Templates name the file, line and column where they apply, and say what to do.
MESSAGES: dict[str, dict[str, str]] = {
    "input_missing": {
        "zh": "{file}: 文件或目录不存在",
        "en": "{file}: no such file or folder",
    },
    "input_unreadable": {
        "zh": "{file}: 无法读取 (没有读取权限)",
        "en": "{file}: cannot be read (permission denied)",
    },
    "input_folder_empty": {
        "zh": "{file}: 目录中没有 CSV、XLSX 或 Parquet 文件 (.csv .csv.gz .zip .xlsx .parquet)",
        "en": "{file}: the folder holds no CSV, XLSX or Parquet file (.csv .csv.gz .zip .xlsx .parquet)",
    },
    "input_none": {
        "zh": "没有要加载的文件: 请给出 CSV、XLSX、Parquet 文件或包含它们的目录",
        "en": "nothing to load: give CSV, XLSX or Parquet files, or a folder holding them",
    },
    "input_empty": {
        "zh": "{file}: 文件为空 (没有表头也没有数据行)",
        "en": "{file}: the file is empty (no header, no rows)",
    },
    "input_header_only": {
        "zh": "{file}: 只有表头, 没有数据行",
        "en": "{file}: the file has a header but no rows",
    },
    "input_zip_members": {
        "zh": "{file}: zip 压缩包中应恰好有一个 CSV/XLSX/Parquet 文件, 实际有 {count} 个 ({members}); 请解压后分别加载",
        "en": "{file}: a zip archive must hold exactly one CSV/XLSX/Parquet file, this one holds {count} "
              "({members}); unzip it and load the files",
    },
    "input_unreadable_format": {
        "zh": "{file}: 无法按 {kind} 读取: {detail}",
        "en": "{file}: cannot be read as {kind}: {detail}",
    },
    "input_encoding": {
        "zh": "{file}: 无法识别文本编码; 请另存为 UTF-8 或 GBK",
        "en": "{file}: cannot tell the text encoding; save it as UTF-8 or GBK",
    },
    "input_bad_row": {
        "zh": "{file}: 第 {line} 行: 列数与表头不符 ({detail})",
        "en": "{file}: line {line}: the number of cells does not match the header ({detail})",
    },
    "unknown_table": {
        "zh": "{file}: 无法识别是哪张表 (找到的列: {columns}); 结算表需要 {settlements}; 人员表需要 {persons}; "
              "机构表需要 {institutions}; 费用明细需要 {fee_details}; 用 --mapping 映射列名 ({readme})",
        "en": "{file}: cannot tell which table this is (columns found: {columns}); settlements need {settlements}; "
              "persons need {persons}; institutions need {institutions}; fee details need {fee_details}; "
              "map your columns with --mapping ({readme})",
    },
    "missing_column": {
        "zh": "{file}: 看起来是{table_zh}, 但缺少必需的列 {missing} (找到的列: {columns}); 用 --mapping 映射, "
              "例如 `{column} = \"你的列名\"` ({readme}); 不会把它当作别的表加载",
        "en": "{file}: looks like {table} but lacks the required column(s) {missing} (columns found: "
              "{columns}); map it with --mapping FILE, e.g. `{column} = \"your column\"` ({readme}); "
              "it is not loaded as another table",
    },
    "mapped_column_missing": {
        "zh": "{file}: 映射文件中 {field} = \"{column}\" 的列 `{column}` 不在文件中; 最接近的列: {closest}",
        "en": "{file}: column `{column}` (mapped to {field}) is not in the file; closest headers: {closest}",
    },
    "mapped_column_nowhere": {
        "zh": "{file}: [{section}] {field} = \"{column}\" 的列 `{column}` 不在任何相应的输入文件中; 最接近的列: {closest}",
        "en": "{file}: column `{column}` (mapped to {field} in [{section}]) is in none of the input files it "
              "applies to; closest headers: {closest}",
    },
    "mapping_missing": {
        "zh": "{file}: 映射文件不存在",
        "en": "{file}: mapping file not found",
    },
    "mapping_toml": {
        "zh": "{file}: 映射文件不是有效的 TOML: {detail}",
        "en": "{file}: the mapping file is not valid TOML: {detail}",
    },
    "mapping_invalid": {
        "zh": "{file}: 映射文件 [{section}] {key}: {detail} ({readme})",
        "en": "{file}: mapping [{section}] {key}: {detail} ({readme})",
    },
    "path_not_writable": {
        "zh": "{file}: 无法写入 ({what}): {detail}",
        "en": "{file}: cannot be written ({what}): {detail}",
    },
    "no_store": {
        "zh": "{file}: 没有图数据库; 先用 `ringscan load FILES --db {file}` 加载数据",
        "en": "no graph database at {file}; load data first with `ringscan load FILES --db {file}`",
    },
    "unfinished_load": {
        "zh": "图数据库中有未完成的加载 {load_id} (开始于 {started}), 扫描会漏掉它的部分数据; "
              "再次运行同样的加载即可补全, 然后再扫描",
        "en": "the store holds an unfinished load {load_id} (started {started}), so a scan would miss part of "
              "its data; run the same load again to complete it, then scan",
    },
    "no_rules": {
        "zh": "{file}: 没有找到任何规则文件 (*.cypher); 安装不完整, 请重新安装 ringscan",
        "en": "no rule files (*.cypher) found in {file}; the installation is incomplete: reinstall ringscan",
    },
    "rings_json_missing": {
        "zh": "{file}: 文件不存在; 先运行 `ringscan scan --out DIR`",
        "en": "{file} not found; run `ringscan scan --out DIR` first",
    },
    "reject_rate": {
        "zh": "{rejected:,}/{read:,} 行被拒收 ({rate:.1%}), 超过允许的 {limit:.1%}; 见 {file} (可用 --max-reject-rate 放宽)",
        "en": "{rejected:,} of {read:,} rows rejected ({rate:.1%}), above the allowed {limit:.1%}; "
              "see {file} (raise --max-reject-rate to accept)",
    },
    "bad_param": {
        "zh": "--param `{value}` 的格式应为 rule-id.name=value 或 name=value",
        "en": "--param `{value}` must look like rule-id.name=value or name=value",
    },
    "unknown_params": {
        "zh": "未知的规则参数: {names}; `ringscan rules` 列出规则, 每个规则文件的开头列出其参数",
        "en": "unknown rule parameter(s): {names}; `ringscan rules` lists the rules and each rule file's header "
              "its params",
    },
    "internal": {
        "zh": "内部错误: {detail} (用 --debug 查看详细信息)",
        "en": "internal error: {detail} (run with --debug for the traceback)",
    },
    "error": {"zh": "{detail}", "en": "{detail}"},
    # warnings
    "date_only_times": {
        "zh": "{file}: {count:,} 条结算只有日期没有时间 (如 {example}); 按天的规则照常使用, "
              "需要精确时间的规则 ({rules}) 会跳过这些结算",
        "en": "{file}: {count:,} settlements have a date but no time of day (e.g. {example}); day-scale rules "
              "use them, rules that need the time ({rules}) skip them",
    },
    "time_format_hint": {
        "zh": "{file}: {count:,} 行的 `{field}` 无法解析 (如 {example}); 在映射文件中给出格式, "
              "例如 {field} = {{ column = \"{column}\", format = \"%m/%d/%Y %H:%M\" }}",
        "en": "{file}: `{field}` unparseable in {count:,} rows (e.g. {example}); give its format in the mapping, "
              "e.g. {field} = {{ column = \"{column}\", format = \"%m/%d/%Y %H:%M\" }}",
    },
    "reading_folder": {
        "zh": "{file}: 读取目录中的 {count} 个文件: {names}",
        "en": "{file}: reading the {count} files in the folder: {names}",
    },
}

_TABLE_ZH = {"settlements": "结算表", "persons": "人员表", "institutions": "机构表", "fee_details": "费用明细"}


def text(code: str, lang: str = "zh", **values: Any) -> str:
    """The message ``code`` in ``lang`` (zh unless en), with ``values`` filled in."""
    templates = MESSAGES[code]
    template = templates.get(lang, templates["zh"])
    values.setdefault("readme", _README.get(lang, _README["zh"]))
    if "table" in values:
        values.setdefault("table_zh", _TABLE_ZH.get(str(values["table"]), str(values["table"])))
    return template.format(**values)


class UserError(ValueError):
    """A problem the user can fix; ``code`` is stable (scripts match on it), the message says what to do."""

    exit_code = USAGE

    def __init__(self, code: str, *, file: str | None = None, line: int | None = None,
                 column: str | None = None, **values: Any):
        self.code, self.file, self.line, self.column = code, file, line, column
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        return text(self.code, lang, file=self.file, line=self.line, column=self.column, **self.values)

    def as_json(self, lang: str = "zh") -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message(lang), "file": self.file}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out


class InputWarning(UserWarning):
    """Something about the input the user should know; the rows are still loaded."""

    def __init__(self, code: str, *, file: str | None = None, **values: Any):
        self.code, self.file, self.values = code, file, values
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        return text(self.code, lang, file=self.file, **self.values)
