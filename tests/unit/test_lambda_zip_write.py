"""lambda_zip writes its zip atomically: concurrent packagings of one dest never fail or tear."""
from __future__ import annotations

import os
import threading

from plugins.modules.lambda_zip import write_atomically


def test_concurrent_writers_of_one_dest_all_succeed_and_leave_one_whole_file(tmp_path):
    dest = tmp_path / "out" / "shared.zip"
    contents = [bytes([n]) * 2_000_000 for n in range(8)]
    errors = []
    start = threading.Barrier(len(contents))

    def writer(content):
        start.wait()
        try:
            for _round in range(20):
                write_atomically(str(dest), content)
        except OSError as error:  # a shared temporary name fails here (FileNotFoundError on replace)
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(content,)) for content in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert dest.read_bytes() in contents  # one writer's bytes, whole
    assert os.listdir(dest.parent) == ["shared.zip"]
    assert dest.stat().st_mode & 0o777 == 0o644
