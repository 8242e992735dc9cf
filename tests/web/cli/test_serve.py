"""praktijkwijzer serve: refusals in Dutch before anything is written."""
from __future__ import annotations


def test_serve_refuses_a_busy_port_in_dutch(tmp_path, capsys):
    import socket

    from web.cli import main
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["--db", str(tmp_path / "pw.db"), "serve", "--port", str(port)])
    out = capsys.readouterr().out
    assert code == 1 and f"poort {port}" in out and "al in gebruik" in out
    assert not (tmp_path / "pw.db").exists(), "nothing is ingested when the server cannot start"
