#!/usr/bin/env python3
"""Kafka -> Kafka passthrough: Weir (release build) side by side with a confluent-kafka
Python loop, on the same Tansu broker in the same run.

For each partition count it measures, per implementation:
  - throughput: N preloaded 100-byte JSON records; a verifier consumer timestamps the
    arrival of every output; records/s = N / (last arrival - first arrival);
    CPU seconds of the implementation's process for the run;
  - latency: records produced at a fixed rate while the implementation runs; p50/p99 of
    (arrival at the verifier - send time carried in the record).

Usage: python3 benchmarks/run_passthrough.py [--records 200000] [--partitions 1 4]
Needs: scripts/install-deps.sh --test (Tansu + librdkafka 2.16 in .tools/), a release
build (swift build -c release), and pip's confluent-kafka==2.16.1.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from tansu_broker import start_tansu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_topics(bootstrap, names, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(n, partitions, 1) for n in names]).values():
        future.result()


def record(i, sent_ns=0):
    value = {"id": i, "host": f"h-{i % 100:03d}", "cpu": round((i * 7919) % 1000 / 10, 1),
             "mem": (i * 104729) % 65536, "sent_ns": sent_ns}
    text = json.dumps(value, separators=(",", ":"))
    return (text + " " * max(0, 100 - len(text))).encode(), f"h-{i % 100:03d}".encode()


def preload(bootstrap, topic, count):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.size": 1000000})
    for i in range(count):
        value, key = record(i)
        while True:
            try:
                producer.produce(topic, value=value, key=key)
                break
            except BufferError:
                producer.poll(0.01)
    producer.flush()


class Verifier(threading.Thread):
    """Reads the output topic from the beginning and timestamps each arrival."""

    def __init__(self, bootstrap, topic, expected, partitions, measure_latency):
        super().__init__(daemon=True)
        # Assigned, not subscribed: no group join delay in the measurement.
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"verify-{topic}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 5})
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        self.measure_latency = measure_latency
        self.expected = expected
        self.arrivals = []
        self.latencies_ms = []
        self.done = threading.Event()

    def run(self):
        while len(self.arrivals) < self.expected and not self.done.is_set():
            for message in self.consumer.consume(num_messages=1000, timeout=0.1):
                if message.error():
                    continue
                now = time.time_ns()
                self.arrivals.append(now)
                if self.measure_latency:
                    self.latencies_ms.append((now - json.loads(message.value())["sent_ns"]) / 1e6)
        self.consumer.close()
        self.done.set()


def start_impl(impl, bootstrap, source, sink, group, workdir, idle=3):
    env = dict(os.environ)
    if impl == "weir":
        topology = os.path.join(workdir, f"{source}.yaml")
        with open(os.path.join(ROOT, "benchmarks/passthrough.yaml")) as f:
            text = f.read().replace("bench.in", source).replace("bench.out", sink).replace("weir-bench", group)
        with open(topology, "w") as f:
            f.write(text)
        env["LD_LIBRARY_PATH"] = os.path.join(ROOT, ".tools/rdkafka")
        command = [os.path.join(ROOT, ".build/release/weir"), "run", topology, "-b", bootstrap,
                   "--stop-when-idle", str(idle), "--log-level", "warning"] + os.environ.get("WEIR_EXTRA", "").split()
    else:
        command = [sys.executable, os.path.join(ROOT, "benchmarks/python_passthrough.py"),
                   bootstrap, source, sink, group, str(idle)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def throughput_run(impl, bootstrap, partitions, count, workdir, tag):
    source, sink = f"tp.{tag}.{impl}.{partitions}.in", f"tp.{tag}.{impl}.{partitions}.out"
    create_topics(bootstrap, [source, sink], partitions)
    preload(bootstrap, source, count)
    verifier = Verifier(bootstrap, sink, count, partitions, measure_latency=False)
    verifier.start()
    cpu_before = child_cpu()
    proc = start_impl(impl, bootstrap, source, sink, f"g-{source}", workdir)
    verifier.join(timeout=600)
    proc.wait(timeout=120)
    cpu = child_cpu() - cpu_before
    arrivals = verifier.arrivals
    if len(arrivals) < count:
        raise RuntimeError(f"{impl}: only {len(arrivals)} of {count} outputs arrived")
    span = (arrivals[-1] - arrivals[0]) / 1e9
    return count / span, cpu


def latency_run(impl, bootstrap, partitions, rate, seconds, workdir, tag):
    source, sink = f"lat.{tag}.{impl}.{partitions}.in", f"lat.{tag}.{impl}.{partitions}.out"
    create_topics(bootstrap, [source, sink], partitions)
    total = int(rate * seconds)
    verifier = Verifier(bootstrap, sink, total, partitions, measure_latency=True)
    verifier.start()
    # Weir counts idleness from the assignment: give it room for the 8 s wait below.
    proc = start_impl(impl, bootstrap, source, sink, f"g-{source}", workdir, idle=12)
    time.sleep(8)  # group join
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
    start = time.time()
    for i in range(total):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        value, key = record(i, time.time_ns())
        producer.produce(source, value=value, key=key)
        producer.poll(0)
    producer.flush()
    verifier.join(timeout=120)
    proc.wait(timeout=120)
    lat = sorted(verifier.latencies_ms)
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rate", type=int, default=5_000)
    parser.add_argument("--latency-seconds", type=float, default=6)
    args = parser.parse_args()
    broker, bootstrap = start_tansu()
    tag = str(int(time.time()))
    rows = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for partitions in args.partitions:
                result = {}
                for impl in os.environ.get("BENCH_IMPLS", "weir python").split():
                    rate, cpu = throughput_run(impl, bootstrap, partitions, args.records, workdir, tag)
                    p50, p99 = latency_run(impl, bootstrap, partitions, args.rate, args.latency_seconds, workdir, tag)
                    result[impl] = (rate, cpu, p50, p99)
                    print(f"{impl:6} partitions={partitions} {rate:10.0f} rec/s  cpu={cpu:6.2f}s "
                          f"({args.records / cpu:8.0f} rec per CPU-s)  latency p50={p50:6.1f} ms p99={p99:6.1f} ms", flush=True)
                if "weir" not in result or "python" not in result:
                    continue
                weir, python = result["weir"], result["python"]
                print(f"ratio weir/python partitions={partitions}: throughput {weir[0] / python[0]:.2f}x, "
                      f"records per CPU-second {python[1] / weir[1]:.2f}x", flush=True)
                rows.append((partitions, result))
    finally:
        broker.kill()


if __name__ == "__main__":
    main()
