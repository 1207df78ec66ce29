"""Entry point: `app` for WSGI tools; `python wsgi.py [--host H] [--port N]` serves with eventlet."""
import argparse
import os
import sys


def _parse_args(argv):
    parser = argparse.ArgumentParser(description="Serve Cordon with the Socket.IO server.")
    parser.add_argument("--host", default=os.environ.get("CORDON_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CORDON_PORT", "5000")))
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = _parse_args(sys.argv[1:])
    mode = os.environ.get("CORDON_ASYNC_MODE", "eventlet")
    # Cooperative servers need the standard library patched before anything else is imported.
    if mode == "eventlet":
        import warnings

        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # see DESIGN.md section 9
        import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    os.environ["CORDON_HOST"], os.environ["CORDON_PORT"] = args.host, str(args.port)

from app import create_app  # noqa: E402

app = create_app()

if __name__ == "__main__":
    from app.serve import serve

    serve(app, host=args.host, port=args.port)
