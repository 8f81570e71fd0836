#!/usr/bin/env python3
"""The measuring half of Benchmarks/stream-benchmark (see there). Each command runs under bash with pipefail;
its wall time is measured here and its peak RSS is the largest ru_maxrss among the processes it ran."""
import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "benchmark-key-not-secret"


def run(command):
    """Runs `command` in a fresh bash (so RUSAGE_CHILDREN covers only it); returns (wall seconds, peak RSS bytes,
    CPU seconds of all its processes)."""
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "subprocess.run(['bash', '-o', 'pipefail', '-c', sys.argv[1]], check=True)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.monotonic() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)\n"
    )
    output = subprocess.run([sys.executable, "-c", script, command], check=True, capture_output=True, text=True)
    seconds, rss_kib, cpu = output.stdout.split()
    return float(seconds), int(rss_kib) * 1024, float(cpu)


def measure_all(specs, runs):
    """Runs each (label, command, before) once per round, the pipelines interleaved so that a change in the
    machine's load hits them all alike; returns one row per spec with the median time and the largest RSS."""
    times = [[] for _ in specs]
    cpus = [[] for _ in specs]
    rss = [0 for _ in specs]
    for _ in range(runs):
        for index, (label, command, before) in enumerate(specs):
            if before:
                before()
            os.sync()  # the previous command's written files go to disk now, not during this one
            seconds, peak, cpu = run(command)
            times[index].append(seconds)
            cpus[index].append(cpu)
            rss[index] = max(rss[index], peak)
    return [{"label": spec[0], "seconds": statistics.median(times[i]), "cpu": statistics.median(cpus[i]), "rss": rss[i]}
            for i, spec in enumerate(specs)]


def generate(directory, database_mib, random_mib, seed, mixed=False):
    stamp = os.path.join(directory, ".generated-%d-%d-%d%s" % (database_mib, random_mib, seed, "-mixed" if mixed else ""))
    data = os.path.join(directory, "home/db2inst1/db2inst1/backup")
    if os.path.exists(stamp):
        return data
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(data)
    print("generating %d MiB%s + %d MiB random in %s" % (database_mib, " of mixed pages" if mixed else "", random_mib, data),
          flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "generate-backup-data.py"), data, "--database-mib",
                    str(database_mib), "--random-mib", str(random_mib), "--seed", str(seed)]
                   + (["--mixed"] if mixed else []), check=True)
    open(stamp, "w").close()
    return data


def tree_bytes(path):
    output = subprocess.run(["bash", "-c", "tar cPf - %s | wc -c" % shlex.quote(path)], check=True,
                            capture_output=True, text=True)
    return int(output.stdout)


def stage_costs(data, packed, binary, key_file, tar_bytes, ours_rate):
    """Measures, on this data, the CPU each stage of our pack costs when run alone, and prints the throughput
    those costs allow on this machine's cores: tar + deflate spread over every core, AES and the storage's MD5
    each on one core, in parallel with the rest. Our measured pack speed is printed as a fraction of that limit."""
    q = shlex.quote
    cores = os.cpu_count()
    _, _, read = run("tar cPf - %s | cat > /dev/null" % q(data))  # GNU tar reads nothing into /dev/null
    _, _, deflate = run("%s stream pack %s --no-encrypt --threads 1 > /dev/null" % (q(binary), q(data)))
    _, _, aes = run("openssl enc -aes-256-cbc -salt -pass pass:%s -in %s -out /dev/null" % (KEY, q(packed)))
    _, _, md5 = run("openssl dgst -md5 %s > /dev/null" % q(packed))
    print("\nstage costs on this data (CPU s, each stage alone; per MB of tar input in ms)")
    for name, seconds in [("tar read", read), ("tar + deflate (ours, 1 thread, level 6)", deflate),
                          ("AES-256-CBC of the compressed stream (openssl)", aes),
                          ("MD5 of the compressed stream (openssl)", md5)]:
        print("  %-52s %7.2f s  %6.2f ms/MB" % (name, seconds, 1000 * seconds / (tar_bytes / 1e6)))
    bound = max((deflate + aes + md5) / cores, aes, md5, deflate / cores)
    timed = subprocess.run("%s stream pack %s --key-file %s --stage-times > /dev/null"
                           % (q(binary), q(data), q(key_file)),
                           shell=True, check=True, capture_output=True, text=True)
    print("\nwhere our pack's time goes (one more run, its own accounting; waits are wall time blocked on a neighbour)")
    for line in timed.stderr.splitlines():
        print("  " + line)
    limit = tar_bytes / bound / 1e6
    print("  %-52s %7.1f MB/s on %d cores; ours %.1f MB/s = %.0f%% of it"
          % ("limit these costs imply", limit, cores, ours_rate, 100 * ours_rate / limit))
    return ours_rate / limit


def measure_data_set(title, data, work, binary, key_file, runs, results):
    """Packs and unpacks `data` with ours and the reference pipelines in one run; prints the figures and the
    ratios for this data set, appends whether each target was met to `results`; returns our pack and unpack rows."""
    out = os.path.join(work, "out")
    os.makedirs(out, exist_ok=True)
    subprocess.run(["bash", "-c", "cat %s/* > /dev/null" % shlex.quote(data)], check=True)  # warm the page cache
    tar_bytes = tree_bytes(data)
    q = shlex.quote
    ours_bin = q(binary)
    key = "-pass pass:" + KEY

    def clean(*paths):
        def action():
            for path in paths:
                shutil.rmtree(path, ignore_errors=True)
                os.makedirs(path)
        return action

    load = os.getloadavg()[0]
    print("\n=== %s: %s (%.1f MB of tar); %d run(s) each, interleaved, median; load average %.1f on %d cores"
          % (title, data, tar_bytes / 1e6, runs, load, os.cpu_count()), flush=True)
    files = {name: os.path.join(out, name) for name in ["ours.enc", "trove.enc", "pigz.enc"]}
    pack = measure_all([
        ("ours: stream pack (level 6, sha256)",
         "%s stream pack %s --key-file %s > %s" % (ours_bin, q(data), q(key_file), q(files["ours.enc"])), None),
        ("Trove: tar | gzip -6 | openssl enc",
         "tar cPf - %s | gzip -6 | openssl enc -aes-256-cbc -salt %s 2>/dev/null > %s"
         % (q(data), key, q(files["trove.enc"])), None),
        ("tar | pigz -p2 -6 | openssl enc",
         "tar cPf - %s | pigz -p 2 -6 | openssl enc -aes-256-cbc -salt %s 2>/dev/null > %s"
         % (q(data), key, q(files["pigz.enc"])), None),
    ], runs)
    for row, name in zip(pack, ["ours.enc", "trove.enc", "pigz.enc"]):
        row["output"] = os.path.getsize(files[name])

    restore_ours, restore_trove = os.path.join(out, "restore-ours"), os.path.join(out, "restore-trove")
    unpack = measure_all([
        ("ours: stream unpack (our stream)",
         "%s stream unpack --into %s --key-file %s < %s" % (ours_bin, q(restore_ours), q(key_file), q(files["ours.enc"])),
         clean(restore_ours)),
        ("ours: stream unpack (Trove's stream)",
         "%s stream unpack --into %s --key-file %s < %s" % (ours_bin, q(restore_ours), q(key_file), q(files["trove.enc"])),
         clean(restore_ours)),
        ("Trove: openssl enc -d | gzip -d | tar x",
         "openssl enc -d -aes-256-cbc %s < %s 2>/dev/null | gzip -d | tar xf - -C %s 2>/dev/null"
         % (key, q(files["trove.enc"]), q(restore_trove)), clean(restore_trove)),
        ("openssl enc -d | pigz -d | tar x",
         "openssl enc -d -aes-256-cbc %s < %s 2>/dev/null | pigz -d | tar xf - -C %s 2>/dev/null"
         % (key, q(files["trove.enc"]), q(restore_trove)), clean(restore_trove)),
    ], runs)
    # The last round restored Trove's stream into restore_ours: check both restores of ours.
    checks = []
    for stream in ["trove.enc", "ours.enc"]:
        clean(restore_ours)()
        run("%s stream unpack --into %s --key-file %s < %s" % (ours_bin, q(restore_ours), q(key_file), q(files[stream])))
        checks.append(subprocess.run(["diff", "-r", data, restore_ours], capture_output=True))
    print("load average after the runs: %.1f" % os.getloadavg()[0])
    shutil.rmtree(restore_ours, ignore_errors=True)
    shutil.rmtree(restore_trove, ignore_errors=True)
    identical = all(check.returncode == 0 for check in checks)

    def rate(row):
        return tar_bytes / row["seconds"] / 1e6

    print("\n%-42s %8s %9s %8s %14s %9s" % ("pack", "seconds", "MB/s", "CPU s", "output bytes", "peak RSS"))
    for row in pack:
        print("%-42s %8.2f %9.1f %8.2f %14d %7.1f MiB"
              % (row["label"], row["seconds"], rate(row), row["cpu"], row["output"], row["rss"] / 2**20))
    print("\n%-42s %8s %9s %8s %14s %9s" % ("unpack", "seconds", "MB/s", "CPU s", "", "peak RSS"))
    for row in unpack:
        print("%-42s %8.2f %9.1f %8.2f %14s %7.1f MiB"
              % (row["label"], row["seconds"], rate(row), row["cpu"], "", row["rss"] / 2**20))
    print("both streams restored byte-identical to the source: %s"
          % ("yes" if identical else "NO\n" + "".join(check.stdout.decode() for check in checks)))

    def target(name, value, goal, ok):
        results.append(ok)
        print("  %-56s %8s  (target %s)  %s" % (name, value, goal, "ok" if ok else "MISSED"))

    print("\nratios on %s (wall clock; CPU seconds above do not depend on what else the machine runs)" % title)
    ours, trove, pigz = pack
    target("pack speed vs Trove's pipeline", "%.2fx" % (rate(ours) / rate(trove)), ">= 5x", rate(ours) >= 5 * rate(trove))
    target("pack speed vs the pigz -p2 pipeline", "%.2fx" % (rate(ours) / rate(pigz)), ">= 2x", rate(ours) >= 2 * rate(pigz))
    size = ours["output"] / trove["output"] - 1
    target("output size vs gzip -6", "%+.2f%%" % (100 * size), "within 3%", abs(size) <= 0.03)
    target("unpack (our stream) vs Trove's restore", "%.2fx" % (rate(unpack[0]) / rate(unpack[2])), ">= 2x",
           rate(unpack[0]) >= 2 * rate(unpack[2]))
    target("unpack (Trove's stream) vs Trove's restore", "%.2fx" % (rate(unpack[1]) / rate(unpack[2])), ">= 2x",
           rate(unpack[1]) >= 2 * rate(unpack[2]))
    print("  %-56s %8s" % ("unpack (Trove's stream) vs the pigz -d restore", "%.2fx" % (rate(unpack[1]) / rate(unpack[3]))))
    share = stage_costs(data, files["ours.enc"], binary, key_file, tar_bytes, rate(ours))
    target("pack speed as a share of that limit", "%.0f%%" % (100 * share), ">= 85%", share >= 0.85)
    target("pack peak RSS", "%.1f MiB" % (ours["rss"] / 2**20), "< 64 MiB", ours["rss"] < 64 * 2**20)
    target("unpack peak RSS", "%.1f MiB" % (unpack[0]["rss"] / 2**20), "< 64 MiB", unpack[0]["rss"] < 64 * 2**20)
    target("restores are byte-identical", "yes" if identical else "no", "yes", identical)
    return ours, unpack[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "trove-db2-stream-bench"))
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (the median is printed)")
    parser.add_argument("--rows-mib", type=int, default=1024, help="row pages of the first data set")
    parser.add_argument("--random-mib", type=int, default=256, help="random file of the first data set")
    parser.add_argument("--mixed-mib", type=int, default=512, help="the second data set: mixed pages")
    parser.add_argument("--skip-4g", action="store_true")
    args = parser.parse_args()

    work = args.work
    os.makedirs(work, exist_ok=True)
    key_file = os.path.join(work, "key")
    with open(key_file, "w") as f:
        f.write(KEY + "\n")
    q = shlex.quote
    ours_bin = q(args.binary)
    results = []
    def target(name, value, goal, ok):
        results.append(ok)
        print("  %-56s %8s  (target %s)  %s" % (name, value, goal, "ok" if ok else "MISSED"))

    rows = generate(os.path.join(work, "data-1g"), args.rows_mib, args.random_mib, 42)
    ours_pack, ours_unpack = measure_data_set(
        "row pages + random file", rows, work, args.binary, key_file, args.runs, results)
    mixed = generate(os.path.join(work, "data-mixed"), args.mixed_mib, 0, 43, mixed=True)
    measure_data_set("mixed random, repeated, zero and row pages", mixed, work, args.binary, key_file, args.runs, results)
    out = os.path.join(work, "out")

    def clean(*paths):
        def action():
            for path in paths:
                shutil.rmtree(path, ignore_errors=True)
                os.makedirs(path)
        return action

    if not args.skip_4g:
        data4 = generate(os.path.join(work, "data-4g"), 4096, 0, 7)
        bytes4 = tree_bytes(data4)
        restore4 = os.path.join(out, "restore-4g")
        clean(restore4)()
        rss_pack, rss_unpack = os.path.join(out, "rss-pack"), os.path.join(out, "rss-unpack")
        seconds, _, _ = run("/usr/bin/time -f %%M -o %s %s stream pack %s --key-file %s | /usr/bin/time -f %%M -o %s %s stream unpack --into %s --key-file %s"
                         % (q(rss_pack), ours_bin, q(data4), q(key_file), q(rss_unpack), ours_bin, q(restore4), q(key_file)))
        pack4 = int(open(rss_pack).read().split()[-1]) * 1024
        unpack4 = int(open(rss_unpack).read().split()[-1]) * 1024
        shutil.rmtree(restore4, ignore_errors=True)
        print("\n4 GiB input (%.1f MB of tar), pack piped into unpack: %.1f s, %.1f MB/s" % (bytes4 / 1e6, seconds, bytes4 / seconds / 1e6))
        target("pack peak RSS, 4 GiB", "%.1f MiB" % (pack4 / 2**20), "< 64 MiB, as for the first set", pack4 < 64 * 2**20)
        target("unpack peak RSS, 4 GiB", "%.1f MiB" % (unpack4 / 2**20), "< 64 MiB, as for the first set", unpack4 < 64 * 2**20)
        print("  pack RSS 4 GiB / first set: %.2f; unpack: %.2f" % (pack4 / ours_pack["rss"], unpack4 / ours_unpack["rss"]))

    print("\n%d of %d targets met" % (sum(results), len(results)))


if __name__ == "__main__":
    main()
