# SPDX-License-Identifier: MIT
"""The cost an event should carry, recomputed here from LiteLLM's own price
table (config/sources/litellm-prices.json: USD per token, LiteLLM's key
names) and the hand-kept overrides (config/prices-overrides.json),
independently of the C code and of config/prices.json: the model is found
by this file's reading of docs/pricing.md's lookup rules, the rates by
LiteLLM's keys, the arithmetic by docs/pricing.md's components. Used by the
golden, report and end-to-end tests."""
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LITELLM = os.path.join(ROOT, "config", "sources", "litellm-prices.json")
OVERRIDES = os.path.join(ROOT, "config", "prices-overrides.json")
PRICES = os.path.join(ROOT, "config", "prices.json")

# Our provider names and the LiteLLM providers whose entries are theirs.
PROVIDERS = {
    "openai": ("openai", "text-completion-openai"),
    "anthropic": ("anthropic",),
    "gcp.gemini": ("gemini",),
    "gcp.vertex_ai": ("vertex_ai-*",),
    "azure.ai.openai": ("azure", "azure_text"),
    "azure.ai.inference": ("azure_ai",),
    "aws.bedrock": ("bedrock", "bedrock_converse"),
    "mistral_ai": ("mistral",), "x_ai": ("xai",), "deepseek": ("deepseek",),
    "groq": ("groq",), "cohere": ("cohere", "cohere_chat"),
    "together": ("together_ai",), "fireworks": ("fireworks_ai",),
    "openrouter": ("openrouter",), "perplexity": ("perplexity",),
    "cerebras": ("cerebras",),
}
ROUTES = ("vertex_ai/", "bedrock/", "bedrock_converse/", "azure/", "azure_ai/",
          "gemini/", "openai/", "text-completion-openai/", "cohere/",
          "cohere_chat/", "together_ai/", "fireworks_ai/", "openrouter/",
          "perplexity/", "cerebras/", "mistral/", "xai/", "deepseek/", "groq/",
          "anthropic/")

# Components (docs/pricing.md), LiteLLM's per-token key of each, and the
# base a missing rate falls back to.
CLASSES = ("input", "cached_input", "cache_write", "cache_write_1h", "output",
           "reasoning", "audio_input", "audio_output", "image_input",
           "image_output")
KEYS = {"input": "input_cost_per_token",
        "cached_input": "cache_read_input_token_cost",
        "cache_write": "cache_creation_input_token_cost",
        "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
        "output": "output_cost_per_token",
        "reasoning": "output_cost_per_reasoning_token",
        "audio_input": "input_cost_per_audio_token",
        "audio_output": "output_cost_per_audio_token",
        "image_input": "input_cost_per_image_token",
        "image_output": "output_cost_per_image_token"}
BASE = {"cached_input": "input", "cache_write": "input",
        "cache_write_1h": "cache_write", "audio_input": "input",
        "image_input": "input", "reasoning": "output",
        "audio_output": "output", "image_output": "output"}
TIERS = {"batch": "_batches", "flex": "_flex", "priority": "_priority"}
TIER_OF = {"": "standard", "default": "standard", "standard": "standard",
           "auto": "standard", "standard_only": "standard",
           "on_demand": "standard", "batch": "batch", "flex": "flex",
           "on_demand_flex": "flex", "priority": "priority",
           "fast": "priority", "on_demand_priority": "priority"}
COUNT_MAX = 100000000


class Unpriced(Exception):
    """The call gets no amount; args[0] is the reason the event must say."""


def load(path):
    with open(path) as f:
        return json.load(f)


def ours(litellm_provider):
    for p, names in PROVIDERS.items():
        if litellm_provider in names or (
                "vertex_ai-*" in names and litellm_provider.startswith("vertex_ai")):
            return p
    return None


class Entry:
    """Per-token rates: std[cls], tiers[tier][cls], long (threshold,
    rates), per_request; a rate that is not there is None."""

    def __init__(self, name):
        self.name = name
        self.std = {c: None for c in CLASSES}
        self.tiers = {t: {c: None for c in CLASSES} for t in TIERS}
        self.long_above, self.long = 0, {c: None for c in CLASSES}
        self.per_request = None

    @classmethod
    def from_litellm(cls, name, m):
        e = cls(name)
        for c, k in KEYS.items():
            e.std[c] = m.get(k)
            for t, sfx in TIERS.items():
                e.tiers[t][c] = m.get(k + sfx)
        for key, v in m.items():
            hit = re.fullmatch(r"(.*)_above_(\d+)(k?)_tokens", key)
            if not hit:
                continue
            for c in sorted(CLASSES, key=lambda c: -len(KEYS[c])):
                if hit.group(1) == KEYS[c]:
                    n = int(hit.group(2)) * (1000 if hit.group(3) else 1)
                    if e.long_above and n > e.long_above:
                        break  # the lowest threshold is kept
                    if e.long_above and n < e.long_above:
                        e.long = {x: None for x in CLASSES}
                    e.long_above, e.long[c] = n, v
                    break
        return e

    def override(self, ov):
        """An override's per-million rates (null removes one)."""
        if ov.get("replace"):
            self.std = {c: None for c in CLASSES}
            self.tiers = {t: {c: None for c in CLASSES} for t in TIERS}
            self.long_above, self.per_request = 0, None
        for c, v in (ov.get("per_million") or {}).items():
            self.std[c] = None if v is None else v / 1e6
        for t, rates in (ov.get("tiers") or {}).items():
            for c, v in rates.items():
                self.tiers[t][c] = None if v is None else v / 1e6
        if "long_context" in ov:
            lc = ov["long_context"]
            self.long_above = lc["above_input_tokens"]
            self.long = {c: None for c in CLASSES}
            for c, v in lc.get("per_million", {}).items():
                self.long[c] = None if v is None else v / 1e6
        if "per_request" in ov:
            self.per_request = ov["per_request"]


class Reference:
    """LiteLLM's table plus the overrides, looked up by our names."""

    def __init__(self, litellm=LITELLM, overrides=OVERRIDES):
        raw = load(litellm)
        models = raw["models"] if "litellm_provider" not in raw.get("models", {}) \
            else raw
        cand = {}
        for key, m in models.items():
            p = ours(m.get("litellm_provider", ""))
            if not p or m.get("input_cost_per_token") is None:
                continue
            name, routed = key, False
            for pre in (m["litellm_provider"] + "/",) + ROUTES:
                if key.startswith(pre):
                    name, routed = key[len(pre):], True
                    break
            cand.setdefault((p, name.lower()), []).append((routed, name, m))
        # The name LiteLLM routes to the provider wins, then byte order.
        self.entries = {}
        for k, lst in cand.items():
            routed, name, m = sorted(lst, key=lambda x: (not x[0], x[1]))[0]
            self.entries[k] = Entry.from_litellm(name, m)
        self.aliases = {}
        for ov in load(overrides)["overrides"] if overrides else []:
            if ov.get("effective_from"):
                continue  # dated versions: not in the shipped overrides
            k = (ov["provider"], ov["model"].lower())
            self.entries.setdefault(k, Entry(ov["model"])).override(ov)
            for a in ov.get("aliases", []):
                self.aliases[(ov["provider"], a.lower())] = k

    def _exact(self, provider, name):
        k = (provider, name.lower())
        return self.entries.get(k) or (self.entries.get(self.aliases[k])
                                       if k in self.aliases else None)

    def _in(self, provider, model):
        e = self._exact(provider, model)
        if e:
            return e
        base = model.rsplit("/", 1)[-1] or model
        base = re.sub(r"^(us|eu|apac|global|us-gov|jp|au|ca)\.(?=.*\.)", "",
                      base, flags=re.I)
        if base != model and self._exact(provider, base):
            return self._exact(provider, base)
        while True:
            short = strip_suffix(base)
            if short is None:
                return None
            base = short
            if self._exact(provider, base):
                return self._exact(provider, base)

    def lookup(self, provider, model):
        """(entry, match) by docs/pricing.md's order, or (None, None)."""
        if not provider or not model:
            return None, None
        e = self._in(provider, model)
        if e:
            return e, "own"
        fb, name = fallback(provider, model)
        if fb and self._in(fb, name):
            return self._in(fb, name), "fallback"
        e = self._exact(provider, "*")
        return (e, "wildcard") if e else (None, None)


def strip_suffix(s):
    """One trailing date or version off a name (docs/pricing.md), or None."""
    for pat in (r"@[^@]*$", r":\d+$", r"-latest$", r"-\d{4}-\d{2}-\d{2}$",
                r"-[vV]\d+$", r"-(\d{3}|\d{4}|\d{6}|\d{8})$"):
        short = re.sub(pat, "", s, flags=re.I)
        if short != s and short:
            return short
    return None


def fallback(provider, model):
    if provider == "azure.ai.openai":
        return "openai", model
    if provider == "gcp.vertex_ai":
        return ("anthropic" if model.lower().startswith("claude")
                else "gcp.gemini"), model
    if provider == "aws.bedrock":
        name = model.rsplit("/", 1)[-1]
        name = re.sub(r"^(us|eu|apac|global|us-gov|jp|au|ca)\.(?=.*\.)", "",
                      name, flags=re.I)
        if name.lower().startswith("anthropic."):
            return "anthropic", name[len("anthropic."):]
    if provider == "openrouter":
        for vendor, p in (("openai/", "openai"), ("anthropic/", "anthropic"),
                          ("google/", "gcp.gemini"), ("x-ai/", "x_ai"),
                          ("mistralai/", "mistral_ai"), ("deepseek/", "deepseek")):
            if model.lower().startswith(vendor) and len(model) > len(vendor):
                return p, model[len(vendor):]
    return None, None


def usage_problem(u):
    g = {k: (u.get(k) if u.get(k) is not None else -1) for k in (
        "input_tokens", "output_tokens", "cache_read_input_tokens",
        "cache_creation_input_tokens", "cache_creation_1h_input_tokens",
        "reasoning_tokens", "audio_input_tokens", "audio_output_tokens",
        "image_input_tokens", "image_output_tokens")}
    pos = {k: max(v, 0) for k, v in g.items()}
    if any(v > COUNT_MAX for v in g.values()):
        return "absurd_count"
    cache = pos["cache_read_input_tokens"] + pos["cache_creation_input_tokens"]
    if g["input_tokens"] >= 0 and cache > pos["input_tokens"]:
        return "cache_above_input"
    if pos["cache_creation_1h_input_tokens"] > pos["cache_creation_input_tokens"]:
        return "cache_1h_above_writes"
    if g["input_tokens"] >= 0 and pos["audio_input_tokens"] + \
            pos["image_input_tokens"] > pos["input_tokens"] - cache:
        return "media_above_input"
    if g["output_tokens"] >= 0 and pos["reasoning_tokens"] + \
            pos["audio_output_tokens"] + pos["image_output_tokens"] > pos["output_tokens"]:
        return "parts_above_output"
    return None


def tokens(u):
    n = {k: max(u.get(k) or 0, 0) for k in (
        "input_tokens", "output_tokens", "cache_read_input_tokens",
        "cache_creation_input_tokens", "cache_creation_1h_input_tokens",
        "reasoning_tokens", "audio_input_tokens", "audio_output_tokens",
        "image_input_tokens", "image_output_tokens")}
    t = {"cached_input": n["cache_read_input_tokens"],
         "cache_write_1h": n["cache_creation_1h_input_tokens"],
         "audio_input": n["audio_input_tokens"],
         "image_input": n["image_input_tokens"],
         "reasoning": n["reasoning_tokens"],
         "audio_output": n["audio_output_tokens"],
         "image_output": n["image_output_tokens"]}
    t["cache_write"] = n["cache_creation_input_tokens"] - t["cache_write_1h"]
    t["input"] = (n["input_tokens"] - t["cached_input"] - n["cache_creation_input_tokens"]
                  - t["audio_input"] - t["image_input"])
    t["output"] = (n["output_tokens"] - t["reasoning"] - t["audio_output"]
                   - t["image_output"])
    return t


def price(entry, usage, service_tier=None, problem=None):
    """{"amount", "parts", "lacked", "tier", "long_context"} of one call
    by docs/pricing.md, or Unpriced(reason)."""
    if usage.get("input_tokens") is None and usage.get("output_tokens") is None:
        raise Unpriced("no_usage")
    if problem or usage_problem(usage):
        raise Unpriced("invalid_usage")
    lacked = []

    def lack(name):
        if name not in lacked and len(lacked) < 8:
            lacked.append(name)
    tier = TIER_OF.get((service_tier or "").lower())
    if tier is None:
        lack("service_tier")
        tier = "standard"
    tier_rates = entry.tiers.get(tier, {})
    has_tier = tier != "standard" and any(v is not None for v in tier_rates.values())
    if tier != "standard" and not has_tier:
        lack(tier)
    long_ctx = bool(entry.long_above) and (usage.get("input_tokens") or 0) > entry.long_above

    def rate_at(c):
        if tier != "standard":
            if tier_rates[c] is not None:
                return tier_rates[c]
            if has_tier and (entry.std[c] is not None or
                             (long_ctx and entry.long[c] is not None)):
                lack("%s@%s" % (c, tier))
        if long_ctx:
            if entry.long[c] is not None:
                return entry.long[c]
            if entry.std[c] is not None:
                lack("%s@long_context" % c)
        return entry.std[c]
    parts, total = {}, 0.0
    t = tokens(usage)
    for c in CLASSES:
        if t[c] <= 0:
            continue
        r, k = rate_at(c), c
        while r is None and k in BASE:
            if k == c and c != "reasoning":
                lack(c)
            k = BASE[k]
            r = rate_at(k)
        if r is None:
            raise Unpriced("missing_rate:" + k)
        parts[c] = t[c] * r
        total += t[c] * r
    if entry.per_request:
        parts["per_request"] = entry.per_request
        total += entry.per_request
    return {"amount": total, "parts": parts, "lacked": lacked, "tier": tier,
            "long_context": long_ctx}


def expected_amount(ref, provider, response_model, request_model, usage,
                    service_tier=None):
    """The amount a call should cost (None when it is not priced): the
    entry of the response model, else of the requested one."""
    e = ref.lookup(provider, response_model)[0] or \
        ref.lookup(provider, request_model)[0]
    if e is None:
        return None
    try:
        return price(e, usage, service_tier)["amount"]
    except Unpriced:
        return None


def close(a, b):
    return abs(a - b) <= 1e-12 + 1e-9 * abs(b)
