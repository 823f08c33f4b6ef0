"""Settings for bench/bench_provisioning.py: the project's settings plus one trivial view.

The benchmark compares the phones' path with "a trivial Django view": 2 KB of text through the
full middleware stack (bench/trivial_urls.py). It exists only under this settings module, which
nothing but the benchmark uses: production has no such endpoint.
"""

from connect.settings import *  # noqa: F403

ROOT_URLCONF = "bench.trivial_urls"
