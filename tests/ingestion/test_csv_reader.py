"""The CSV reader's own helpers: the header record and the byte scans behind line numbers."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from orchestration.ingestion import csv_reader
from orchestration.ingestion.staging import UnreadableFileError


def test_the_header_is_read_through_a_bom_and_gzip_and_counts_its_lines(tmp_path):
    path = tmp_path / "h.csv.gz"
    path.write_bytes(
        gzip.compress('\ufeffId,"Two\nLines",Name\r\n1,2,\xff\n'.encode("utf-8", "surrogateescape"))
    )
    header = csv_reader.read_csv_header(path, gzip_compressed=True)
    assert (header.names, header.lines) == (["Id", "Two\nLines", "Name"], 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\n\n", "no header record"), (b"Id,N\xe4me\n1,2\n", "the header is not UTF-8")],
)
def test_a_file_without_a_usable_header_is_unreadable(tmp_path, content, message):
    path = tmp_path / "h.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=message):
        csv_reader.read_csv_header(path, gzip_compressed=False)


def test_line_and_quote_scans_agree_with_a_plain_count_across_chunk_boundaries(tmp_path, monkeypatch):
    """The byte scans behind reject line numbers, checked against counting in the whole bytes."""
    monkeypatch.setattr(csv_reader, "_CHUNK", 7)  # many chunk boundaries
    data = b'a,b\n1,"x\ny"\n\n2,"open\n3,4\n5,""6""\n'
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    newline_offsets = [i for i, byte in enumerate(data) if byte == 10]

    positions = np.array([0, 4, 5, 11, 12, 13, len(data)], dtype=np.int64)
    assert list(csv_reader.physical_lines(path, False, positions)) == [
        data[:p].count(b"\n") + 1 for p in positions
    ]

    lines = [1, 2, 5, 6, 8, 20]
    found = csv_reader.quotes_after_lines(path, False, lines)
    for line in lines:
        start = 0 if line == 1 else newline_offsets[line - 2] + 1 if line - 2 < len(newline_offsets) else None
        expected = (data[start:].count(b'"'), data[start:].decode()) if start is not None else (0, "")
        assert found[line] == expected
    assert found[5][0] % 2 == 1  # the quote opened on line 5 is never closed
