"""Run a reference register: ``python -m integrations.reference.serve --register resident
--port 8101`` (or ``--register dog --port 8102``, or the identity provider
``--register identity --port 8103``, or the payment provider
``--register payment --port 8104``). Threaded stdlib WSGI server, loopback only
by default; prints one line ``ready <url>`` once it accepts connections.

API keys: ``--api-key``, else ``RESIDENT_REGISTER_API_KEY`` / ``DOG_REGISTER_API_KEY``, else the
development defaults the portal's settings also use. Besides, each commune's own key
(``common.commune_api_key``, derived from ``--commune-key-secret``, else
``REFERENCE_COMMUNE_KEY_SECRET``, else the development secret the run command's seeding uses).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from integrations.reference import dog, identity, payment, resident
from integrations.reference.common import DEV_COMMUNE_KEY_SECRET
from integrations.reference.population import DEFAULT_SEED

REGISTERS = {
    "resident": (resident.create_app, "RESIDENT_REGISTER_API_KEY", "dev-resident-register-key"),
    "dog": (dog.create_app, "DOG_REGISTER_API_KEY", "dev-dog-register-key"),
    # The payment provider also signs notifications with PAYMENT_HMAC_KEY (see main).
    "payment": (payment.create_app, "PAYMENT_API_KEY", "dev-payment-key"),
    # The identity provider takes a client id and secret instead of an API key (see main).
    "identity": (identity.create_app, "OIDC_RP_CLIENT_SECRET", "dev-oidc-secret"),
}


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        if os.environ.get("REFERENCE_REGISTER_LOG"):
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register", choices=sorted(REGISTERS), required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument("--api-key")
    parser.add_argument("--commune-key-secret", help="registers: secret of the communes' keys")
    parser.add_argument("--client-id", help="identity provider: the portal's client id")
    parser.add_argument("--client-secret", help="identity provider: the portal's secret")
    parser.add_argument(
        "--redirect-pattern",
        default=identity.DEFAULT_REDIRECT_PATTERN,
        help="identity provider: regex of the accepted redirect URIs",
    )
    args = parser.parse_args(argv)
    if args.register == "identity":
        app = identity.create_app(
            issuer=f"http://{args.host}:{args.port}",
            client_id=args.client_id or os.environ.get("OIDC_RP_CLIENT_ID") or "einwohnerportal",
            client_secret=args.client_secret
            or os.environ.get("OIDC_RP_CLIENT_SECRET")
            or "dev-oidc-secret",
            seed=args.seed,
            redirect_pattern=args.redirect_pattern,
        )
    else:
        factory, key_env, key_default = REGISTERS[args.register]
        api_key = args.api_key or os.environ.get(key_env) or key_default
        app = factory(api_key=api_key, seed=args.seed)
        app.commune_keys = (
            args.register,
            args.commune_key_secret
            or os.environ.get("REFERENCE_COMMUNE_KEY_SECRET")
            or DEV_COMMUNE_KEY_SECRET,
        )
        if args.register == "payment":
            app.hmac_key = os.environ.get("PAYMENT_HMAC_KEY") or payment.DEFAULT_HMAC_KEY
    with make_server(
        args.host, args.port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    ) as server:
        print(f"ready http://{args.host}:{args.port}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
