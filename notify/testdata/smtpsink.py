"""A handler for Debian's aiosmtpd that stores every message in a directory, for the notify tests.

    PYTHONPATH=notify/testdata python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtpsink.Handler \
        [--tlscert CERT --tlskey KEY] MAILDIR [USER PASSWORD]

Each accepted message becomes MAILDIR/<n>.eml (the bytes received) next to MAILDIR/<n>.json
(envelope sender and recipients, whether the session was under TLS and authenticated). The
.json is written first and the .eml renamed into place last, so a reader that sees the .eml
sees both complete.

Recipients whose local part starts with "perm" are refused with 550 (a permanent failure), with
"temp" with 451 (try again later). With USER and PASSWORD, AUTH PLAIN accepts only those and a
recipient is refused with 530 until the session is authenticated (aiosmtpd offers AUTH only
after STARTTLS).
"""

import base64
import json
import os
import time

from aiosmtpd.smtp import MISSING, AuthResult


class Handler:
    def __init__(self, maildir, user=None, password=None):
        self.maildir = maildir
        self.user = user
        self.password = password
        self.count = 0

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) not in (1, 3):
            parser.error("smtpsink.Handler takes MAILDIR [USER PASSWORD]")
        return cls(*args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("perm"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("temp"):
            return "451 4.3.0 <%s>: try again later" % address
        if self.user and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = "%d-%04d" % (time.time_ns(), self.count)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "auth_user": session.auth_data if isinstance(session.auth_data, str) else "",
        }
        with open(os.path.join(self.maildir, name + ".json"), "w") as f:
            json.dump(meta, f)
        tmp = os.path.join(self.maildir, name + ".tmp")
        with open(tmp, "wb") as f:
            content = envelope.original_content or envelope.content
            f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        os.rename(tmp, os.path.join(self.maildir, name + ".eml"))
        return "250 2.0.0 Message accepted for delivery"

    async def auth_PLAIN(self, server, args):
        if len(args) == 1:
            data = await server.challenge_auth("")
            if data is MISSING:
                return AuthResult(success=False)
        else:
            try:
                data = base64.b64decode(args[1].encode(), validate=True)
            except Exception:
                return AuthResult(success=False)
        try:
            _, user, password = data.split(b"\x00")
        except ValueError:
            return AuthResult(success=False)
        user, password = user.decode(), password.decode()
        if self.user and user == self.user and password == self.password:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)
