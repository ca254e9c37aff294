"""The scrubber works with no network: no socket is opened, the spaCy model is loaded from a path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Runs in a fresh interpreter so that import-time behaviour (tldextract, Presidio, spaCy) is covered too.
_PROBE = r"""
import json, socket
attempts = []
def refuse(self, address, *a, **k):
    attempts.append(repr(address))
    raise OSError("network disabled by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
def refuse_cc(address, *a, **k):
    attempts.append(repr(address))
    raise OSError("network disabled by test")
socket.create_connection = refuse_cc
def refuse_dns(*a, **k):
    attempts.append(repr(a[:2]))
    raise OSError("no dns")
socket.getaddrinfo = refuse_dns

from wildvalues.privacy.scrub import scrub_text
from wildvalues.privacy.leaks import find_pii
from wildvalues.privacy.engine import shared_nlp_engine
text = "Mail jane.doe@mail.example.co.uk, see https://janedoe.dev/cv, I am Jane Doe."
out = scrub_text(text).text
leak = find_pii("contact jane.doe@mail.example.co.uk")
model = shared_nlp_engine().models[0]["model_name"]
print(json.dumps({"attempts": attempts, "text": out, "leak": leak, "model": model}))
"""


def test_scrubbing_opens_no_network_connection(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}  # no tldextract cache to fall back on
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert report["text"] == "Mail [EMAIL], see [URL], I am [PERSON]."
    assert "EMAIL_ADDRESS" in report["leak"]
    assert Path(report["model"]).is_dir(), "the spaCy model must be loaded from a directory, not downloaded"


def test_default_tldextract_would_have_tried_the_network() -> None:
    """Guard for the test above: the library default really is online, so the offline setup matters."""
    import tldextract

    default = tldextract.TLDExtract()
    assert default.suffix_list_urls, "tldextract's default fetches the public suffix list over HTTP"
    from wildvalues.privacy.recognizers import offline_tld_extractor

    assert offline_tld_extractor().suffix_list_urls == ()
    assert offline_tld_extractor()("mail.example.co.uk").suffix == "co.uk"
