"""`make load` reads wrk's report right: requests per second, the median and 99th
percentile latency in milliseconds whatever wrk's unit, and every kind of error."""

from partnerprogram.management.commands.load import parse_wrk

TRAILING = " "  # wrk ends its latency lines with a space
REPORT = f"""Running 15s test @ http://127.0.0.1:8765/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   789.12ms  120.33ms   1.20s    70.00%
    Req/Sec    10.12      4.01    20.00     60.00%
  Latency Distribution
     50%  789.00ms
     75%  850.00ms
     90%  950.00ms
     99%    1.01s{TRAILING}
  300 requests in 15.08s, 12.34MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:     19.90
Transfer/sec:      0.82MB
"""


def test_a_report_with_errors_and_mixed_units():
    assert parse_wrk(REPORT) == {
        "rps": 19.9,
        "p50_ms": 789.0,
        "p99_ms": 1010.0,
        "requests": 300,
        "errors": 9,  # 2 read + 3 timeouts + 4 answers that were not 2xx or 3xx
    }


def test_a_clean_report_in_microseconds():
    clean = (
        REPORT.replace("789.00ms", "950.00us")
        .replace("    1.01s", "  2.50ms")
        .replace("  Socket errors: connect 0, read 2, write 0, timeout 3\n", "")
        .replace("  Non-2xx or 3xx responses: 4\n", "")
    )
    run = parse_wrk(clean)
    assert (run["p50_ms"], run["p99_ms"], run["errors"]) == (0.95, 2.5, 0)
