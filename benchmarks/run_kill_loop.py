#!/usr/bin/env python3
"""kill -9 loops: two `weir run` instances of one topology in one consumer group, one of
them killed with SIGKILL at random every few seconds and started again at once, while an
independent client produces the input; at the end an independent client reads every
output and counts inputs lost and duplicated.

The producer, the admin client and the verifier are kafka-python (a pure-Python Kafka
client: no librdkafka), so the check does not share Weir's client library. For
`exactly_once` the verifier reads uncommitted records (Tansu never times out the open
transaction of a killed producer) and keeps those whose `weir.txn` header names a
transaction the instances' transaction logs record as committed, as the README says a
reader on such a broker should.

Usage: python3 benchmarks/run_kill_loop.py --delivery at_least_once|exactly_once
           [--records 20000] [--seconds 40] [--kills 12] [--runs 3] [--seed 1]
Needs: scripts/install-deps.sh --test (Tansu and librdkafka 2.16 in .tools/), a release
build (swift build -c release --product weir), and `pip install kafka-python==3.0.12`.
"""
import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from tansu_broker import start_tansu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTITIONS = 4


def topology(delivery: str) -> str:
    return f"""name: killloop
source: {{kafka: {{topic: in, group: killloop}}}}
operators:
  - project: {{fields: [id, user]}}
sinks: [kafka: {{topic: out}}]
delivery: {delivery}
commit_interval_ms: 200
kafka_consumer:
  session.timeout.ms: "6000"
  heartbeat.interval.ms: "500"
"""


class Instance:
    """One slot of the group: a `weir run` process, restarted after each kill."""

    def __init__(self, slot: int, folder: str, bootstrap: str, delivery: str):
        self.slot, self.folder, self.bootstrap, self.delivery = slot, folder, bootstrap, delivery
        self.log = open(os.path.join(folder, f"slot{slot}.stderr"), "ab")
        self.proc = None
        self.starts = 0

    def start(self):
        args = [os.path.join(ROOT, ".build/release/weir"), "run", "topology.yaml", "-b", self.bootstrap,
                "--stop-when-idle", "12"]
        if self.delivery == "exactly_once":
            args += ["--transaction-log", f"slot{self.slot}.log"]
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(ROOT, ".tools/rdkafka"))
        self.proc = subprocess.Popen(args, cwd=self.folder, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.starts += 1

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def produce(bootstrap: str, count: int, seconds: float, done: threading.Event):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    start = time.monotonic()
    for i in range(count):
        target = start + seconds * i / count
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        user = f"u{i % 40}"
        producer.send("in", key=user.encode(), value=json.dumps({"id": i, "user": user}).encode())
    producer.flush()
    producer.close()
    done.set()


def transactions_recorded(folder: str, outcome: str) -> set:
    """The ids the instances' transaction logs record with `outcome` (committed, unknown)."""
    ids = set()
    for name in os.listdir(folder):
        if name.startswith("slot") and name.endswith(".log"):
            with open(os.path.join(folder, name)) as log:
                for line in log:
                    parts = line.split()
                    if len(parts) >= 2 and parts[0] == outcome:
                        ids.add(parts[1])
    return ids


def read_outputs(bootstrap: str):
    """Every record of `out`, read until the topic has been quiet for 6 s (every writer has
    exited by then). End offsets are not used: Tansu's listed end offsets can trail the
    records it serves."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             isolation_level="read_uncommitted")
    partitions = [TopicPartition("out", p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    records = []
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 6:
        batch = consumer.poll(timeout_ms=1000)
        for messages in batch.values():
            records.extend(messages)
        if batch:
            quiet_since = time.monotonic()
    consumer.close()
    return records


def one_run(args, run: int) -> dict:
    rng = random.Random(args.seed + run)
    broker, bootstrap = start_tansu()
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic("in", PARTITIONS, 1), NewTopic("out", PARTITIONS, 1)])
        admin.close()
        folder = tempfile.mkdtemp(prefix=f"weir-killloop-{args.delivery}-")
        with open(os.path.join(folder, "topology.yaml"), "w") as f:
            f.write(topology(args.delivery))
        slots = [Instance(i, folder, bootstrap, args.delivery) for i in range(2)]
        for slot in slots:
            slot.start()
        time.sleep(4)  # both in the group before input arrives
        done = threading.Event()
        started = time.monotonic()
        producer = threading.Thread(target=produce, args=(bootstrap, args.records, args.seconds, done))
        producer.start()
        kills = 0
        interval = args.seconds / (args.kills + 1)
        while kills < args.kills:
            time.sleep(interval * rng.uniform(0.5, 1.5))
            victim = rng.choice(slots)
            if victim.proc.poll() is None:
                victim.kill()
                kills += 1
            victim.start()
        producer.join()
        for slot in slots:
            if slot.proc.wait(timeout=600) != 0:
                print(f"slot {slot.slot} exited with {slot.proc.returncode}; see {folder}/slot{slot.slot}.stderr", file=sys.stderr)
        elapsed = time.monotonic() - started
        outputs = read_outputs(bootstrap)
        considered = outputs
        in_unknown = set()
        if args.delivery == "exactly_once":
            def carrying(ids):
                return [m for m in outputs if any(k == "weir.txn" and v.decode() in ids for k, v in (m.headers or []))]
            considered = carrying(transactions_recorded(folder, "committed"))
            in_unknown = {json.loads(m.value)["id"] for m in carrying(transactions_recorded(folder, "unknown"))}
        ids = [json.loads(m.value)["id"] for m in considered]
        unique = set(ids)
        lost = set(range(args.records)) - unique
        if len(ids) != len(unique):
            # Where each duplicated input's copies are, and which transactions carry them.
            copies = {}
            for m in considered:
                txn = next((v.decode() for k, v in (m.headers or []) if k == "weir.txn"), None)
                copies.setdefault(json.loads(m.value)["id"], []).append([m.partition, m.offset, txn])
            with open(os.path.join(folder, "duplicates.json"), "w") as f:
                json.dump({str(k): v for k, v in copies.items() if len(v) > 1}, f)
        backwards = 0
        for slot in slots:
            slot.log.close()
            with open(os.path.join(folder, f"slot{slot.slot}.stderr"), errors="replace") as log:
                backwards += sum("went backwards" in line for line in log)
        return {"run": run, "kills": kills, "offsets_went_backwards": backwards, "starts": sum(s.starts for s in slots), "inputs": args.records,
                "outputs_read": len(outputs), "counted": len(ids), "lost": len(lost), "lost_but_in_unknown_transactions": len(lost & in_unknown),
                "duplicates": len(ids) - len(unique), "seconds": round(elapsed, 1), "folder": folder}
    finally:
        broker.send_signal(signal.SIGKILL)
        broker.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delivery", choices=["at_least_once", "exactly_once"], required=True)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        result = one_run(args, run)
        print(json.dumps(result), flush=True)
        results.append(result)
    print(json.dumps({"delivery": args.delivery, "runs": len(results),
                      "kills": sum(r["kills"] for r in results),
                      "inputs": sum(r["inputs"] for r in results),
                      "lost": sum(r["lost"] for r in results),
                      "duplicates": sum(r["duplicates"] for r in results),
                      "offsets_went_backwards": sum(r["offsets_went_backwards"] for r in results),
                      "median_duplicates_per_run": statistics.median(r["duplicates"] for r in results)}))


if __name__ == "__main__":
    main()
