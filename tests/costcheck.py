# SPDX-License-Identifier: MIT
"""The cost an event should carry, recomputed from the price table file
independently of the C code (user/pricing/pricing.c): uncached input, cache
reads and writes, output (reasoning apart where the entry prices it), per
million tokens, plus any per-request fee. Used by the golden and
end-to-end tests."""
import json


def load(path):
    with open(path) as f:
        return json.load(f)


def find_entry(table, provider, model):
    """The entry named model (or with model as an alias), exactly."""
    for m in table["models"]:
        if m["provider"] == provider and (m["model"] == model or
                                          model in m.get("aliases", [])):
            return m
    return None


def amount(entry, usage):
    rate = entry["per_million"]
    u = {k: (v or 0) for k, v in usage.items()}
    cache_read = u.get("cache_read_input_tokens", 0)
    cache_write = u.get("cache_creation_input_tokens", 0)
    total = (u.get("input_tokens", 0) - cache_read - cache_write) * (rate.get("input") or 0)
    total += cache_read * (rate.get("cached_input") or 0)
    total += cache_write * (rate.get("cache_write") or 0)
    out, reasoning = u.get("output_tokens", 0), u.get("reasoning_tokens", 0)
    if rate.get("reasoning") is not None:
        total += (out - reasoning) * rate["output"] + reasoning * rate["reasoning"]
    else:
        total += out * (rate.get("output") or 0)
    return total / 1e6 + (entry.get("per_request") or 0)


def close(a, b):
    return abs(a - b) <= 1e-12 + 1e-9 * abs(b)
