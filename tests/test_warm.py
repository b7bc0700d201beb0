"""crawler/warm.py builds the lazily built parts of extraction before workers fork."""

import subprocess
import sys


def test_warm_up_reaches_the_lazy_parts() -> None:
    # In a fresh interpreter: this one may have built them already in other tests.
    probe = (
        "import crawler.warm\n"
        "from crawler import extract, topics\n"
        "assert extract._date_parser.cache_info().currsize == 1, 'dateparser not built'\n"
        "assert topics._morph.cache_info().currsize == 2, 'pymorphy3 uk and ru not loaded'\n"
        "import trafilatura.external as external\n"
        "assert external.JT_STOPLIST is not None, 'justext stoplists not loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
