"""Ingestion: encodings, aliases, mapping, every reject reason, conservation, idempotence."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringscan.graph.stats import graph_stats
from ringscan.ingest.load import load_files
from ringscan.ingest.readers import detect_encoding
from ringscan.ingest.schema import MissingColumnError, load_mapping
from ringscan.ingest.validate import Reason


def _conserved(report) -> bool:
    return report.read == report.loaded + report.rejected + report.duplicates


def test_gbk_file_loads_equal_to_its_utf8_twin(fixtures: Path, tmp_path: Path):
    from ringscan.graph.embedded import EmbeddedBackend

    gbk = tmp_path / "gbk" / "settlements.csv"
    gbk.parent.mkdir()
    gbk.write_bytes((fixtures / "settlements.csv").read_text(encoding="utf-8").encode("gbk"))
    assert detect_encoding(gbk) == "gb18030"
    counts = []
    names = []
    for i, path in enumerate([fixtures / "settlements.csv", gbk]):
        with EmbeddedBackend(tmp_path / f"db{i}") as store:
            load_files([path], store)
            counts.append(graph_stats(store)["nodes"])
            names.append(sorted(store.query("MATCH (p:Patient) RETURN p.psn_name AS n")["n"]))
    assert counts[0] == counts[1]
    assert names[0] == names[1] == ["张三明", "王小红"]


def test_utf8_with_bom_is_read(fixtures: Path, store):
    path = fixtures / "settlements.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert detect_encoding(path) == "utf-8-sig"
    report = load_files([path], store)
    assert report.loaded == 4 and report.rejected == 0


def test_english_aliases(fixtures: Path, store):
    report = load_files([fixtures / "settlements_english.csv"], store)
    assert report.loaded == 2
    row = store.query("MATCH (s:Settlement {setl_id: 'E001'}) RETURN s.medfee_sumamt AS t, s.mdtrt_cert_no AS c")
    assert row["t"].iloc[0] == 50.5 and row["c"].iloc[0] == "C020"


def test_mapping_file(fixtures: Path, store):
    mapping = load_mapping(fixtures / "mapping.toml")
    report = load_files([fixtures / "settlements_custom.csv"], store, mapping=mapping)
    assert report.loaded == 2 and report.rejected == 0
    assert set(store.query("MATCH (s:Settlement) RETURN s.setl_id AS k")["k"]) == {"X001", "X002"}


def test_mapping_file_with_unknown_field_is_refused(tmp_path: Path):
    bad = tmp_path / "m.toml"
    bad.write_text('[columns]\nnot_a_field = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not_a_field"):
        load_mapping(bad)


def test_every_reject_reason_with_file_and_line(fixtures: Path, store, tmp_path: Path):
    rejects_path = tmp_path / "rejects.csv"
    report = load_files([fixtures / "settlements_defects.csv", fixtures / "fee_details.csv",
                         fixtures / "settlements.csv"], store, rejects_path=rejects_path)
    assert _conserved(report)
    rejects = pd.read_csv(rejects_path, dtype=str)
    by_line = {(Path(r.file).name, int(r.line)): r.reason for r in rejects.itertuples()}
    defects = "settlements_defects.csv"
    assert by_line[(defects, 3)] == Reason.MISSING_ID
    assert by_line[(defects, 4)] == Reason.BAD_TIME
    assert by_line[(defects, 5)] == Reason.BAD_AMOUNT
    assert by_line[(defects, 6)] == Reason.IMPOSSIBLE_AMOUNT
    assert by_line[(defects, 7)] == Reason.END_BEFORE_START
    assert by_line[(defects, 9)] == Reason.CONFLICTING_DUPLICATE  # same D01, other total
    assert by_line[(defects, 10)] == Reason.IMPOSSIBLE_AMOUNT      # fund + account > total
    assert by_line[("fee_details.csv", 3)] == Reason.UNKNOWN_SETTLEMENT
    assert report.duplicates == 1                                   # line 8 repeats line 2
    assert report.by_reason[Reason.IMPOSSIBLE_AMOUNT] == 2
    original = json.loads(rejects[rejects["line"] == "4"]["values"].iloc[0])
    assert original["setl_time"] == "not a time"


def test_refunds_kept_and_marked(fixtures: Path, store):
    load_files([fixtures / "settlements.csv"], store)
    refunds = store.query("MATCH (s:Settlement) WHERE s.refund = 1 RETURN s.setl_id AS k")
    assert list(refunds["k"]) == ["S004"]


def test_reload_changes_nothing(fixtures: Path, store):
    files = [fixtures / n for n in ("institutions.csv", "persons.csv", "settlements.csv", "fee_details.csv")]
    first = load_files(files, store)
    before = graph_stats(store)
    second = load_files(files, store)
    assert graph_stats(store) == before
    assert second.loaded == 0 and second.duplicates == second.read - second.rejected
    assert _conserved(first) and _conserved(second)


def test_incremental_load_adds_only_new(fixtures: Path, store, tmp_path: Path):
    frame = pd.read_csv(fixtures / "settlements.csv", dtype=str)
    march, april = tmp_path / "m1.csv", tmp_path / "m2.csv"
    frame.iloc[:2].to_csv(march, index=False)
    frame.iloc[1:].to_csv(april, index=False)  # overlaps by one row
    load_files([march], store)
    report = load_files([april], store)
    assert report.loaded == 2 and report.duplicates == 1
    assert graph_stats(store)["nodes"]["Settlement"] == 4


def test_fee_lines_of_stored_settlements_are_known_by_settlement_and_number(fixtures: Path, store, tmp_path: Path):
    """A fee file loaded after its settlements: lines already stored are duplicates, a new line of a
    stored settlement is added, and the same number under another settlement is another line."""
    load_files([fixtures / "settlements.csv"], store)
    fees = pd.read_csv(fixtures / "fee_details.csv", dtype=str)
    fees = fees[fees["setl_id"] != "S404"]  # the fixture's orphan
    first, later = tmp_path / "fees1.csv", tmp_path / "fees2.csv"
    fees.to_csv(first, index=False)
    load_files([first], store)
    extra = fees.iloc[:1].assign(setl_id="S002")  # F001 again, under another settlement
    pd.concat([fees, extra]).to_csv(later, index=False)
    report = load_files([later], store)
    assert report.duplicates == len(fees) and report.loaded == 1 and report.rejected == 0
    assert graph_stats(store)["relationships"]["INCLUDES"] == len(fees) + 1
    assert _conserved(report)


def test_persons_complete_patients_first_seen_in_settlements(fixtures: Path, store):
    load_files([fixtures / "settlements_english.csv"], store)
    persons = fixtures / "persons_late.csv"
    persons.write_text("psn_no,psn_name,tel\nP020,赵六,13700000001\n", encoding="utf-8")
    report = load_files([persons], store)
    assert report.loaded == 1
    row = store.query("MATCH (p:Patient {psn_no: 'P020'}) RETURN p.psn_name AS n, p.tel AS t")
    assert (row["n"].iloc[0], row["t"].iloc[0]) == ("赵六", "13700000001")


def test_missing_required_column_names_column_and_file(fixtures: Path, store):
    path = fixtures / "no_time.csv"
    frame = pd.read_csv(fixtures / "settlements.csv", dtype=str).drop(columns=["setl_time"])
    frame.to_csv(path, index=False)
    with pytest.raises(MissingColumnError) as info:
        load_files([path], store)
    assert "setl_time" in str(info.value) and "no_time.csv" in str(info.value)


def test_parquet_and_xlsx(fixtures: Path, store, tmp_path: Path):
    frame = pd.read_csv(fixtures / "settlements.csv", dtype=str)
    frame.iloc[:2].to_parquet(tmp_path / "a.parquet")
    frame.iloc[2:].to_excel(tmp_path / "b.xlsx", index=False)
    report = load_files([tmp_path / "a.parquet", tmp_path / "b.xlsx"], store)
    assert report.loaded == 4 and report.rejected == 0


def test_district_with_injected_defects(district: Path, tmp_path: Path):
    from ringscan.graph.embedded import EmbeddedBackend

    data = tmp_path / "data"
    data.mkdir()
    for name in ("persons.csv", "institutions.csv", "fee_details.csv"):
        (data / name).write_bytes((district / name).read_bytes())
    frame = pd.read_csv(district / "settlements.csv", dtype=str)
    clean = len(frame)
    defects = {  # row position → (column, bad value, expected reason)
        10: ("psn_no", None, Reason.MISSING_ID),
        20: ("setl_time", "2024-13-45 99:00:00", Reason.BAD_TIME),
        30: ("medfee_sumamt", "一百元", Reason.BAD_AMOUNT),
        40: ("medfee_sumamt", "99999999999", Reason.IMPOSSIBLE_AMOUNT),
    }
    for pos, (column, value, _) in defects.items():
        frame.loc[pos, column] = value
    stay = frame.index[frame["begndate"].notna()][0]
    frame.loc[stay, "enddate"] = "2020-01-01"
    conflict = frame.iloc[[50]].assign(medfee_sumamt=str(float(frame.loc[50, "medfee_sumamt"]) + 1000))
    duplicate = frame.iloc[[60]]
    frame = pd.concat([frame, conflict, duplicate], ignore_index=True)
    frame.to_csv(data / "settlements.csv", index=False)
    rejects_path = tmp_path / "rejects.csv"
    with EmbeddedBackend(tmp_path / "db") as store:
        report = load_files(sorted(data.glob("*.csv")), store, rejects_path=rejects_path)
    assert _conserved(report)
    rejects = pd.read_csv(rejects_path, dtype=str)
    mine = rejects[rejects["file"].str.endswith("settlements.csv")]
    reasons = {int(r.line): r.reason for r in mine.itertuples()}
    for pos, (_, _, reason) in defects.items():
        assert reasons[pos + 2] == reason  # header is line 1
    assert reasons[stay + 2] == Reason.END_BEFORE_START
    assert reasons[clean + 2] == Reason.CONFLICTING_DUPLICATE
    assert report.duplicates == 1
    # fee details of the rejected settlements are rejected too, never silently dropped
    fee_rejects = rejects[rejects["file"].str.endswith("fee_details.csv")]
    assert set(fee_rejects["reason"]) <= {Reason.UNKNOWN_SETTLEMENT}


def test_the_buffer_pool_setting_reaches_the_engine_and_a_full_pool_is_one_clear_error(tmp_path: Path):
    """``buffer_pool_mb`` bounds the engine's page cache: too small a cache for a load is a
    BackendError that says so (not a traceback), leaves nothing written, and the store opens again."""
    from ringscan.config import load_settings
    from ringscan.graph.backend import BackendError, open_backend
    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.synth.district import generate_district

    data = tmp_path / "district"
    generate_district(data, patients=1000, days=60, seed=3)
    files = sorted(data.glob("*.csv"))
    settings = load_settings(env={"RINGSCAN_DB": str(tmp_path / "small.lbdb"), "RINGSCAN_BUFFER_POOL_MB": "4"})
    assert settings.buffer_pool_mb == 4
    with pytest.raises(BackendError, match="buffer pool"):
        store = open_backend(settings)  # a pool this small cannot even hold the schema, or else the load
        try:
            load_files(files, store)
        finally:
            store.close()
    with EmbeddedBackend(tmp_path / "small.lbdb", buffer_pool_mb=256) as roomy:
        assert roomy.count("(n:Settlement)") == 0
        load_files(files, roomy)
        assert roomy.count("(n:Settlement)") > 0


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "甲"])), max_size=30))
def test_repeats_agree_with_pandas_duplicated(values):
    from ringscan.ingest.load import _repeats

    keys = pd.Series(values, dtype="string[pyarrow]")
    repeated, first = _repeats(keys)
    assert (repeated == keys.duplicated(keep=False).to_numpy()).all()
    assert (first == ~keys.duplicated(keep="first").to_numpy()).all()


@pytest.mark.parametrize(("rows", "parts"), [(1, 9 + 4 + 2), (2, 3 + 2 + 1), (3, 3 + 1 + 1)])
def test_a_load_in_slices_equals_the_whole_load(fixtures: Path, tmp_path: Path, rows: int, parts: int,
                                                monkeypatch: pytest.MonkeyPatch):
    """Files read a slice at a time (each slice checked against the store and committed) load what
    the whole files load: repeats and conflicts across slices, fee lines of any slice's settlements,
    the same rejects at the same lines, the same accounting and the same graph."""
    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.ingest import load

    monkeypatch.setattr(load, "WHOLE_UP_TO_SLICES", 1)  # every file of more rows than a slice is sliced

    files = [fixtures / "settlements_defects.csv", fixtures / "fee_details.csv", fixtures / "settlements.csv"]
    seen = []
    for mode, slice_rows in (("whole", 0), ("sliced", rows)):
        with EmbeddedBackend(tmp_path / f"{mode}.lbdb") as store:
            rejects_path = tmp_path / f"{mode}.rejects.csv"
            steps: list[tuple] = []
            report = load_files(files, store, rejects_path=rejects_path, slice_rows=slice_rows,
                                progress=lambda *step: steps.append(step))
            assert _conserved(report)
            if slice_rows:  # a written part per slice of a file with more rows (9, 4; 2 fee lines), in even
                # slices (9 rows about 2 at a time: 3 of 3), one for the rest
                assert steps[-1] == ("write", parts, parts)
            rejects = pd.read_csv(rejects_path, dtype=str)
            seen.append(({k: v for k, v in report.as_dict().items() if k not in ("load_id", "rejects_file")},
                         sorted(zip(rejects["file"], rejects["line"].astype(int), rejects["reason"], rejects["values"])),
                         graph_stats(store)))
    assert seen[0] == seen[1]


def test_a_file_with_a_line_break_in_a_cell_is_not_sliced(fixtures: Path, tmp_path: Path):
    """Slices are numbered by their offset in the file, which holds only if every line is a row."""
    from ringscan.ingest.readers import sliceable_rows

    frame = pd.read_csv(fixtures / "settlements.csv", dtype=str)
    assert sliceable_rows(fixtures / "settlements.csv") == len(frame)
    frame.loc[0, "dise_name"] = "急性\n上呼吸道感染"
    broken = tmp_path / "broken.csv"
    frame.to_csv(broken, index=False)
    assert sliceable_rows(broken) is None


def test_a_file_of_up_to_two_slices_is_read_whole(fixtures: Path):
    """Whole is faster, and two slices' rows fit: only a file of more is sliced."""
    from ringscan.ingest.inputs import Mapping, inspect_inputs
    from ringscan.ingest.load import _sliced_files

    files = [fixtures / "settlements_defects.csv", fixtures / "settlements.csv", fixtures / "fee_details.csv"]
    plans = inspect_inputs(files, Mapping())  # 9, 4 and 2 rows
    assert _sliced_files(files, plans, 1) == {files[0]: 9, files[1]: 4}
    assert _sliced_files(files, plans, 2) == {files[0]: 9}
    assert _sliced_files(files, plans, 4) == {files[0]: 9}
    assert _sliced_files(files, plans, 5) == {}


def test_a_file_is_cut_into_even_slices_of_about_the_slice_size():
    """No slice of a few rows at the end: a slice's write costs seconds whatever its size."""
    from ringscan.ingest.load import _even_slice

    assert _even_slice(10_013_333, 1_000_000) == 1_001_334  # 10 slices, not 10 and 13,333 rows
    assert _even_slice(3_000_985, 1_000_000) == 1_000_329
    assert _even_slice(2_490_000, 1_000_000) == 1_245_000
    assert _even_slice(2_600_000, 1_000_000) == 866_667
    for count in (2_000_001, 2_499_999, 2_500_001, 7_654_321, 10_013_333):
        size = _even_slice(count, 1_000_000)
        slices = -(-count // size)
        assert size <= 1_250_000 and count - (slices - 1) * size >= size - slices


def test_a_big_write_turns_the_engines_automatic_checkpoint_on_again(fixtures: Path, tmp_path: Path):
    """A big write copies without the engine's automatic checkpoint (a setting of the whole
    database) and checkpoints once at its end; afterwards every connection checkpoints as before."""
    from ringscan.graph.embedded import EmbeddedBackend

    def setting(store) -> bool:
        return bool(store.query("CALL current_setting('auto_checkpoint') RETURN *").iloc[0, 0])

    with EmbeddedBackend(tmp_path / "big.lbdb", transaction_rows=0) as store:
        assert setting(store)
        load_files([fixtures / "settlements.csv"], store)
        assert setting(store) and graph_stats(store)["nodes"]["Settlement"] == 4


def test_a_load_in_slices_hands_the_engines_memory_back_after_each_slice(fixtures: Path, tmp_path: Path):
    """The engine keeps what its copies grew to until its database closes: between the slices of a
    big load the store is opened again, with nothing lost; a load of whole files is left as it is."""
    from ringscan.graph.embedded import EmbeddedBackend

    files = [fixtures / "settlements_defects.csv", fixtures / "settlements.csv"]
    with EmbeddedBackend(tmp_path / "whole.lbdb") as store:
        before = store._db
        load_files(files, store)
        assert store._db is before
        whole = graph_stats(store)
    with EmbeddedBackend(tmp_path / "sliced.lbdb") as store:
        opened = [store._db]
        hand_back = store.hand_back
        store.hand_back = lambda: (hand_back(), opened.append(store._db))  # type: ignore[method-assign]
        steps: list[tuple] = []
        load_files(files, store, slice_rows=2, progress=lambda *step: steps.append(step))
        parts = [step for step in steps if step[0] == "write"][-1][2]
        assert len(opened) == parts + 1 and len({id(db) for db in opened}) == len(opened)
        assert graph_stats(store) == whole
        load_files(files, store, slice_rows=2)  # loaded again on the reopened store: nothing new
        assert graph_stats(store) == whole


def test_opening_the_database_again_waits_for_the_connections_in_use(fixtures: Path, tmp_path: Path):
    """A read running on a connection of its own finishes on the database it began on: the reopen
    waits for it rather than closing the database under it."""
    import threading

    from ringscan.graph.embedded import EmbeddedBackend

    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        load_files([fixtures / "settlements.csv"], store)
        holding, reopened = threading.Event(), threading.Event()
        counted: list[int] = []

        def read() -> None:
            with store._connection() as conn:
                holding.set()
                reopened.wait(0.5)  # the reopen, if it did not wait, would have happened by now
                counted.append(conn.execute("MATCH (s:Settlement) RETURN count(s)").get_next()[0])

        reader = threading.Thread(target=read)
        reader.start()
        holding.wait()
        reopen = threading.Thread(target=lambda: (store.hand_back(), reopened.set()))
        reopen.start()
        reader.join()
        reopen.join()
        assert counted == [4] and reopened.is_set()
        assert store.count("(n:Settlement)") == 4


def test_a_bad_byte_deep_in_a_sliced_file_is_one_clear_error(fixtures: Path, tmp_path: Path):
    """Past the sample its encoding is told from, a cell that is not UTF-8 stops a sliced load with
    one line naming the file and how far it was read (the slices before it are committed, and the
    same load run again after the file is mended completes it)."""
    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.messages import UserError

    frame = pd.read_csv(fixtures / "settlements.csv", dtype=str)
    many = pd.concat([frame] * 12000, ignore_index=True)
    many["setl_id"] = [f"S{i:07d}" for i in range(len(many))]
    path = tmp_path / "settlements.csv"
    many.to_csv(path, index=False)
    data = path.read_bytes()
    assert len(data) > 5 << 20
    at = max(i for i in range(len(data) - 2000, len(data)) if data[i] >= 0xE0)  # a Chinese name's first byte
    path.write_bytes(data[:at] + b"\xff" + data[at + 1:])
    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        with pytest.raises(UserError) as caught:
            load_files([path], store, slice_rows=5000)
    assert str(path) in str(caught.value) and "after line" in str(caught.value)
