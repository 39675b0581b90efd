"""irctest controller for natterd's IRC door (natter's own file).

tests/irc/run-irctest copies it into an irctest checkout as
irctest/controllers/natterd.py; natterd's path comes from $NATTERD.
natterd has no configuration file, no services, no TLS, no passwords and
no WebSocket: those tests are skipped as irctest skips them for any server
that lacks them (NotImplementedByController).
"""
import os
import shutil
from typing import Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController


class NatterdController(BaseServerController, DirectoryBasedController):
    software_name = "natterd"
    supported_sasl_mechanisms: Set[str] = set()
    supports_sts = False
    # What natterd's 005 must say (isupport.py's testValues checks it).
    isupport = {
        "CASEMAPPING": "ascii",
        "CHANTYPES": "#",
        "PREFIX": "(ov)@+",
        "CHANMODES": ",,,s",
        "MODES": "3",
        "NICKLEN": "16",
        "CHANNELLEN": "17",
        "CHANLIMIT": "#:8",
        "TARGMAX": "PRIVMSG:1,NOTICE:1,JOIN:8,PART:8,NAMES:8",
    }

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        if password is not None:
            raise NotImplementedByController("PASS")
        if ssl:
            raise NotImplementedByController("TLS")
        if run_services:
            raise NotImplementedByController("services")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        natterd = os.environ.get("NATTERD", "natterd")
        binds = ["-b", "127.0.0.1", "-b", "::1"] if hostname == "localhost" else ["-b", hostname]
        faketime_cmd = []
        if faketime and shutil.which("faketime"):
            faketime_cmd = ["faketime", "-f", faketime]
            self.faketime_enabled = True
        self.proc = self.execute(
            [*faketime_cmd, natterd, "-p", "0", "--irc", str(port), *binds,
             "-H", "My.Little.Server", "-q", "--irc-oper", "operuser:operpassword"],
        )


def get_irctest_controller_class() -> Type[NatterdController]:
    return NatterdController
