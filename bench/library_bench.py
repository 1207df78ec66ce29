"""Benchmark: the library in the database, as the editor and the server start use it.

Times, through the Flask test client (bearer token, routing, schemas, the service, SQLite):
- the first sync of the shipped content (13 files) into an empty library, as a server's first start;
- the check a process makes on every library read when nothing changed (stat the files);
- the check as you type of the largest shipped scenario (POST /library/scenarios/check);
- saving a draft of it (POST .../versions), publishing it, and the diff of two versions;
- creating an exercise from the published version.

    .venv/bin/python bench/library_bench.py            # 20 runs of each request
    .venv/bin/python bench/library_bench.py --runs 50
"""
import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from app.services import library  # noqa: E402
from app.services.accounts import issue_api_token  # noqa: E402
from app.services.library_sync import ensure_synced, signature  # noqa: E402


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"| {name:<48} | {len(times):>4} | {statistics.median(times):>8.1f} | {p95:>8.1f} | {max(times):>8.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CORDON_ASYNC_MODE": "threading",
                      "CORDON_SCHEDULER": False, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "CORDON_CONTENT_ROOT": str(REPO), "RATELIMIT_ENABLED": False})
    results = []
    with app.app_context():
        db.create_all()
        user = User(username="bench", role="controller")
        user.set_password("bench-password")
        db.session.add(user)
        db.session.commit()
        headers = {"Authorization": f"Bearer {issue_api_token(user)}"}
        db.session.commit()
        client = app.test_client()

        start = time.perf_counter()
        ensure_synced()
        results.append(row("first sync of the shipped files (13 documents)", [(time.perf_counter() - start) * 1000]))
        results.append(row("library read, files unchanged (stat + compare)", timed(ensure_synced, args.runs * 10)))
        results.append(row("signature of the content files alone", timed(lambda: signature(REPO), args.runs * 10)))

        largest = max(library.documents("scenario"),
                      key=lambda d: len(str(library.version("scenario", d.key).document)))
        document = library.version("scenario", largest.key).document
        size = len(document.get("injects", []))

        def check():
            response = client.post("/api/v1/library/scenarios/check", json={"document": document}, headers=headers)
            assert response.status_code == 200 and response.get_json()["valid"], response.get_json()

        results.append(row(f"check as you type: {largest.key} ({size} injects)", timed(check, args.runs)))
        number = [largest.head_number]

        def save():
            document["summary"] = f"{document.get('summary', '')} ."[-2000:]
            response = client.post(f"/api/v1/library/scenarios/{largest.key}/versions", headers=headers,
                                   json={"base": number[0], "document": document})
            assert response.status_code == 201, response.get_json()
            number[0] = response.get_json()["number"]

        results.append(row("save a draft of it (201, with its check)", timed(save, args.runs)))

        def publish():
            save()
            response = client.post(f"/api/v1/library/scenarios/{largest.key}/versions/{number[0]}/publish",
                                   headers=headers)
            assert response.status_code == 200, response.get_json()

        results.append(row("save then publish it", timed(publish, args.runs)))
        results.append(row("diff of two versions", timed(lambda: client.get(
            f"/api/v1/library/scenarios/{largest.key}/diff?from=1&to={number[0]}", headers=headers), args.runs)))

        def exercise():
            response = client.post("/api/v1/exercises", json={"name": "Bench", "scenario": largest.key},
                                   headers=headers)
            assert response.status_code == 201, response.get_json()

        results.append(row("create an exercise from the published version", timed(exercise, args.runs)))

    print(f"Cordon library benchmark — {platform.node()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, SQLite")
    print("| what | runs | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
