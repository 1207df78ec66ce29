"""Summarize py-spy collapsed stacks (`py-spy record -f raw`): inclusive share per frame.

    .venv/bin/python bench/_stacks.py profile.txt [--match app/] [--top 40]
"""
import argparse
import collections

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("file")
parser.add_argument("--match", default="", help="only frames whose text contains this")
parser.add_argument("--top", type=int, default=40)
args = parser.parse_args()
inclusive, total = collections.Counter(), 0
for line in open(args.file):
    stack, _, count = line.rstrip().rpartition(" ")
    count = int(count)
    total += count
    for frame in set(stack.split(";")):
        if args.match in frame:
            inclusive[frame] += count
print(f"{total} samples")
for frame, count in inclusive.most_common(args.top):
    print(f"{100 * count / total:5.1f}%  {frame}")
