"""Mapping files that cover real exports, and tables recognised or refused (issue 14)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ringscan.graph.stats import graph_stats
from ringscan.ingest.inputs import read_inputs
from ringscan.ingest.load import load_files
from ringscan.ingest.schema import Mapping, MappingError, MissingColumnError, UnknownTableError, load_mapping, plan_table
from ringscan.messages import UserError

HIS_SETTLEMENTS = (
    "结算ID,人员编号,机构编码,结算时间,就诊日期,医疗费总额,性别,医生\n"
    "X1,P1,H1,3/7/2024 9:05,20240307,100.5,男,NULL\n"
    "X2,NA,H1,12/31/2024 23:59,20241231,50,女,D1\n"
)
PHARMACY = "结算ID,人员编号,药店编码,结算时间,医疗费总额\nY1,P1,Y01,3/8/2024 10:00,30\n"
MAPPING = """
[read]
na_values = ["", "NA", "NULL"]
[settlements]
setl_id   = "结算ID"
psn_no    = "人员编号"
fixmedins_code = "机构编码"
setl_time = { column = "结算时间", format = "%m/%d/%Y %H:%M" }
begndate  = { column = "就诊日期", format = "%Y%m%d" }
enddate   = { column = "就诊日期", format = "%Y%m%d" }
medfee_sumamt = "医疗费总额"
gend      = { column = "性别", map = { "男" = "1", "女" = "2" } }
atddr_no  = "医生"
[files."药店*.csv"]
table = "settlements"
fixmedins_code = "药店编码"
med_type = { value = "41" }
fixmedins_type = { value = "2" }
"""


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def his(tmp_path: Path) -> tuple[list[Path], Mapping]:
    files = [_write(tmp_path, "门诊结算.csv", HIS_SETTLEMENTS, "gb18030"), _write(tmp_path, "药店销售.csv", PHARMACY)]
    return files, load_mapping(_write(tmp_path, "mapping.toml", MAPPING))


def test_every_kind_of_source_and_na_values(his, store, tmp_path: Path):
    files, mapping = his
    rejects = tmp_path / "rejects.csv"
    report = load_files(files, store, mapping=mapping, rejects_path=rejects)
    assert (report.read, report.loaded, report.rejected) == (3, 2, 1)
    rows = store.query("MATCH (s:Settlement) RETURN s.setl_id AS id, s.setl_ts AS ts, s.begn_day AS b, "
                       "s.end_day AS e, s.med_type AS m ORDER BY id")
    x1 = rows.iloc[0]
    assert x1["ts"] == pd.Timestamp("2024-03-07 09:05").timestamp()
    assert x1["b"] == x1["e"] == pd.Timestamp("2024-03-07").timestamp() // 86400  # one column, two fields
    assert rows.set_index("id").loc["Y1", "m"] == "41"                                 # a constant
    assert store.query("MATCH (p:Pharmacy) RETURN p.fixmedins_code AS c")["c"].tolist() == ["Y01"]
    assert store.query("MATCH (s:Settlement {setl_id: 'X1'})-[:`FOR`]->(p:Patient) RETURN p.gend AS g")["g"][0] == "1"
    # "NA" is missing, never a patient id: the row is rejected for its empty psn_no
    assert store.query("MATCH (p:Patient {psn_no: 'NA'}) RETURN count(p) AS n")["n"][0] == 0
    bad = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert bad["reason"].tolist() == ["missing_id"] and bad["field"].tolist() == ["psn_no"]
    assert bad["column"].tolist() == ["人员编号"] and bad["line"].tolist() == ["3"]
    # the row as it was in the file: original headers, raw text
    assert json.loads(bad["values"][0]) == {"结算ID": "X2", "人员编号": "NA", "机构编码": "H1",
                                             "结算时间": "12/31/2024 23:59", "就诊日期": "20241231",
                                             "医疗费总额": "50", "性别": "女", "医生": "D1"}


def test_mapped_column_missing_names_it_and_the_closest_headers(his, tmp_path: Path):
    files, _ = his
    mapping = load_mapping(_write(tmp_path, "m2.toml", MAPPING.replace('setl_time = { column = "结算时间"',
                                                                        'setl_time = { column = "结算时刻"')))
    with pytest.raises(MappingError) as info:
        read_inputs(files, mapping, max_amount=1e6)
    error = info.value
    assert error.code == "mapped_column_missing" and "结算时刻" in str(error) and "结算时间" in str(error)
    assert "门诊结算.csv" in str(error)
    assert "结算时刻" in error.message("zh") and "最接近" in error.message("zh")


def test_misspelled_optional_column_is_caught_across_files(his, tmp_path: Path):
    files, _ = his
    mapping = load_mapping(_write(tmp_path, "m3.toml", MAPPING.replace('atddr_no  = "医生"', 'atddr_no  = "医师"')))
    with pytest.raises(MappingError) as info:
        read_inputs(files, mapping, max_amount=1e6)
    assert info.value.code == "mapped_column_nowhere" and "医师" in str(info.value) and "医生" in str(info.value)


def test_optional_column_may_be_absent_from_some_files(his, store):
    files, mapping = his  # 药店销售.csv has no 医生 column: fine, 门诊结算.csv has it
    assert load_files(files, store, mapping=mapping).loaded == 2


@pytest.mark.parametrize("bad, key", [
    ('[settlements]\nsetl_tim = "x"\n', "setl_tim"),
    ('[settlements]\nmedfee_sumamt = { column = "x", format = "%Y" }\n', "medfee_sumamt"),
    ('[settlements]\nmed_type = { value = "41", column = "x" }\n', "med_type"),
    ('[files."a*.csv"]\ntable = "claims"\n', "table"),
    ('[read]\nna_values = "NA"\n', "na_values"),
    ('[nonsense]\nx = "y"\n', "nonsense"),
])
def test_mapping_mistakes_are_refused_by_name(tmp_path: Path, bad: str, key: str):
    with pytest.raises(MappingError) as info:
        load_mapping(_write(tmp_path, "bad.toml", bad))
    assert key in str(info.value)


def test_the_first_mapping_format_still_loads(fixtures: Path, store):
    # tests/fixtures/mapping.toml: plain `field = "column"` pairs in [columns]
    report = load_files([fixtures / "settlements_custom.csv"], store, mapping=load_mapping(fixtures / "mapping.toml"))
    assert report.loaded == 2


def test_settlements_with_a_renamed_key_are_refused_not_loaded_as_persons(fixtures: Path, store):
    path = fixtures / "renamed.csv"
    pd.read_csv(fixtures / "settlements.csv", dtype=str).rename(columns={"setl_id": "单据号"}).to_csv(path, index=False)
    with pytest.raises(MissingColumnError) as info:
        load_files([path], store)
    assert info.value.table == "settlements" and "setl_id" in str(info.value) and "renamed.csv" in str(info.value)
    assert graph_stats(store)["nodes"]["Patient"] == 0


def test_columns_of_no_table_are_refused_with_what_each_table_needs(tmp_path: Path):
    with pytest.raises(UnknownTableError) as info:
        plan_table(["a", "b", "c"], Mapping(), "x.csv")
    text = str(info.value)
    assert "x.csv" in text and "a, b, c" in text and "feedetl_sn" in text and "setl_time" in text


@pytest.mark.parametrize("headers, table", [
    (["psn_no", "psn_name"], "persons"),
    (["psn_no", "psn_name", "tel", "fixmedins_code"], "persons"),
    (["fixmedins_code", "fixmedins_name"], "institutions"),
    (["feedetl_sn", "setl_id", "cnt"], "fee_details"),
    (["setl_id", "psn_no", "fixmedins_code", "setl_time", "medfee_sumamt"], "settlements"),
])
def test_tables_recognised(headers: list[str], table: str):
    assert plan_table(headers, Mapping(), "f.csv").table == table


def test_files_section_decides_the_table(tmp_path: Path):
    mapping = load_mapping(_write(tmp_path, "m.toml", '[files."人员*.csv"]\ntable = "persons"\npsn_no = "编号"\n'))
    assert plan_table(["编号", "fixmedins_code"], mapping, "data/人员2024.csv").table == "persons"
    with pytest.raises(UserError):
        plan_table(["号码"], mapping, "人员.csv")


def test_date_only_times_load_with_one_warning_naming_the_rules(tmp_path: Path, store):
    path = _write(tmp_path, "s.csv", "setl_id,psn_no,fixmedins_code,setl_time,medfee_sumamt\n"
                                     "A,P1,H1,2024-03-01,10\nB,P2,H1,2024-03-02,10\nC,P3,H1,2024-03-02 10:00:00,10\n")
    with pytest.warns(UserWarning) as caught:
        report = load_files([path], store)
    assert report.loaded == 3
    messages = [str(w.message) for w in caught if "date but no time" in str(w.message)]
    assert len(messages) == 1 and "2 settlements" in messages[0] and "pharmacy-co-swipe" in messages[0]
    days = store.query("MATCH (s:Settlement) RETURN s.setl_id AS id, s.setl_ts AS ts, s.setl_day AS d ORDER BY id")
    assert days["ts"].isna().tolist() == [True, True, False] and days["d"].notna().all()
