"""Timing shared by the side-by-side benchmarks: wall and CPU seconds of Weir's child
processes and of a peer's in-process fit, and medians over repeated runs."""
import resource
import statistics
import time


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def self_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peer(run):
    """Wall and CPU seconds of `run()` in this process, and its result."""
    cpu, start = self_cpu(), time.perf_counter()
    result = run()
    return time.perf_counter() - start, self_cpu() - cpu, result


def median_runs(runs, body):
    """Median wall and CPU seconds of `runs` calls of `body` (which returns wall, cpu and
    anything else), with the last call's other values as a list."""
    walls, cpus, last = [], [], None
    for _ in range(runs):
        wall, cpu, *rest = body()
        walls.append(wall)
        cpus.append(cpu)
        last = rest
    return statistics.median(walls), statistics.median(cpus), last
