#!/usr/bin/env python3
"""A small interpreter for the subset of Go templates + Sprig that this chart uses.

It is NOT Helm. It exists because no `helm` binary runs on this project's machines, and static
checks cannot tell whether a guard fires or whether the rendered YAML is well indented. It follows
Go's text/template rules for what the chart uses: actions with trim markers, comments, pipelines,
variables, if / else if / else, range, with, define / include, and the Sprig functions listed in
FUNCS. Anything else raises an error rather than guessing, so a template that uses a new function
fails here until the function is added. Differences that remain: numbers keep the type YAML gave
them (Helm turns every number into float64), and comparisons are not type-strict.

    python3 charts/lamplight/ci/render.py [-f values.yaml ...] [--set-json '{"a": {"b": 1}}']

prints the rendered manifests, like `helm template`, or the `fail` message with exit status 1.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
import re
import string
import sys
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parent.parent


class TemplateError(Exception):
    pass


class Fail(Exception):
    """The template called `fail`."""


# --- lexing -------------------------------------------------------------------------------------

def actions(source: str):
    """Yield (start, end, body, trim_left, trim_right) for each {{ ... }} in the source.

    Like Go's lexer, quoted and raw strings inside an action may contain "}}".
    """
    pos = 0
    while True:
        start = source.find("{{", pos)
        if start < 0:
            return
        i = start + 2
        trim_left = source.startswith("- ", i) or source.startswith("-\n", i)
        quote = None
        while i < len(source):
            ch = source[i]
            if quote:
                if ch == "\\" and quote == '"':
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"`":
                quote = ch
            elif source.startswith("}}", i):
                break
            i += 1
        else:
            raise TemplateError(f"unterminated action at offset {start}")
        inner = source[start + 2:i]
        trim_right = inner.endswith(" -") or inner.endswith("\n-")
        body = inner[2 if trim_left else 0: len(inner) - 2 if trim_right else len(inner)].strip()
        yield start, i + 2, body, trim_left, trim_right
        pos = i + 2


def lex(source: str, name: str) -> list[tuple[str, str]]:
    """[('text', ...), ('action', ...)] with trim markers applied to the neighbouring text."""
    out: list[tuple[str, str]] = []
    pos = 0
    trim_next = False
    for start, end, body, trim_left, trim_right in actions(source):
        text = source[pos:start]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if trim_left:
            text = text.rstrip(" \t\r\n")
        out.append(("text", text))
        if not (body.startswith("/*") and body.endswith("*/")):
            out.append(("action", body))
        trim_next = trim_right
        pos = end
    text = source[pos:]
    if trim_next:
        text = text.lstrip(" \t\r\n")
    out.append(("text", text))
    return out


TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<raw>`[^`]*`)
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<declare>:=)
    | (?P<assign>=)
    | (?P<pipe>\|)
    | (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<comma>,)
    | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.X)


def tokens(text: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise TemplateError(f"cannot parse {text[pos:]!r}")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


# --- parsing ------------------------------------------------------------------------------------

class Parser:
    def __init__(self, toks):
        self.toks = toks
        self.i = 0

    def peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None)

    def take(self, kind=None):
        tok = self.peek()
        if kind and tok[0] != kind:
            raise TemplateError(f"expected {kind}, got {tok}")
        self.i += 1
        return tok

    def pipeline(self):
        decl = None
        if self.peek()[0] == "var" and self.peek(1)[0] in ("declare", "assign", "comma"):
            names = [self.take("var")[1]]
            if self.peek()[0] == "comma":
                self.take("comma")
                names.append(self.take("var")[1])
            op = self.take()[0]
            decl = (op, names)
        cmds = [self.command()]
        while self.peek()[0] == "pipe":
            self.take("pipe")
            cmds.append(self.command())
        return ("pipeline", decl, cmds)

    def command(self):
        args = []
        while self.peek()[0] not in (None, "pipe", "rparen"):
            args.append(self.operand())
        if not args:
            raise TemplateError("empty command")
        return args

    def operand(self):
        kind, value = self.take()
        if kind == "string":
            return ("lit", json.loads(value))
        if kind == "raw":
            return ("lit", value[1:-1])
        if kind == "number":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "ident" and value in ("true", "false"):
            return ("lit", value == "true")
        if kind == "ident" and value == "nil":
            return ("lit", None)
        if kind == "ident":
            return ("func", value)
        if kind == "field":
            return ("field", value)
        if kind == "var":
            return ("var", value)
        if kind == "lparen":
            inner = self.pipeline()
            self.take("rparen")
            return ("paren", inner)
        raise TemplateError(f"unexpected {value!r}")


def parse_pipeline(text: str):
    parser = Parser(tokens(text))
    node = parser.pipeline()
    if parser.peek()[0] is not None:
        raise TemplateError(f"trailing {parser.peek()} in {text!r}")
    return node


def parse(items, name):
    """Nested node list from the lexed items; returns (nodes, defines)."""
    defines: dict[str, list] = {}
    pos = 0

    def block(stop):
        nonlocal pos
        nodes = []
        while pos < len(items):
            kind, body = items[pos]
            pos += 1
            if kind == "text":
                if body:
                    nodes.append(("text", body))
                continue
            word = body.split(None, 1)[0]
            rest = body[len(word):].strip()
            if word in stop:
                return nodes, word, rest
            if word in ("if", "with", "range"):
                branches = []
                cond = rest
                while True:
                    inner, ended, tail = block({"else", "end"})
                    branches.append((cond, inner))
                    if ended == "end":
                        break
                    if tail.startswith("if ") and word == "if":
                        cond = tail[3:]
                        continue
                    if tail.startswith("with ") and word == "with":
                        cond = tail[5:]
                        continue
                    cond = None  # plain else
                parsed = [(parse_pipeline(c) if c is not None else None, b) for c, b in branches]
                nodes.append((word, parsed))
            elif word == "define":
                dname = json.loads(rest)
                inner, ended, _ = block({"end"})
                defines[dname] = inner
            elif word in ("end", "else"):
                raise TemplateError(f"{name}: unexpected {word}")
            elif word in ("template", "block"):
                raise TemplateError(f"{name}: {word} is not supported here; use include")
            else:
                nodes.append(("action", parse_pipeline(body)))
        if stop:
            raise TemplateError(f"{name}: missing end")
        return nodes, None, None

    nodes, _, _ = block(set())
    return nodes, defines


# --- values and functions -------------------------------------------------------------------------

def truthy(value) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, (str, list, dict, tuple)):
        return len(value) > 0
    return True


def go_str(value) -> str:
    if value is None:
        return "<no value>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + " ".join(go_str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_str(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


PRINTF_VERB = re.compile(r"%([-0]*)(\d*)([%svdtqb])")


def printf(fmt: str, *args) -> str:
    """Go's fmt for the verbs the chart uses: %s %v %d %t %q %b, with the `-` and `0` flags and a
    width (`%08b`). Anything else is an error rather than a guess."""
    args = list(args)
    out = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        match = PRINTF_VERB.match(fmt, i)
        if not match:
            raise TemplateError(f"printf verb in {fmt[i:i + 4]!r} not supported")
        flags, width, verb = match.groups()
        i = match.end()
        if verb == "%":
            out.append("%")
            continue
        if not args:
            raise TemplateError("printf: too few arguments")
        value = args.pop(0)
        if verb == "s":
            if not isinstance(value, str):
                raise TemplateError(f"printf %s of {type(value).__name__}")
            text = value
        elif verb == "v":
            text = go_str(value)
        elif verb in "db":
            if not isinstance(value, int) or isinstance(value, bool):
                raise TemplateError(f"printf %{verb} of {type(value).__name__}")
            text = str(value) if verb == "d" else format(value, "b")
        elif verb == "t":
            if not isinstance(value, bool):
                raise TemplateError(f"printf %t of {type(value).__name__}")
            text = go_str(value)
        else:  # q
            text = json.dumps(value)
        if width and len(text) < int(width):
            pad = int(width) - len(text)
            if "-" in flags:
                text += " " * pad
            elif "0" in flags and verb in "db":
                sign = "-" if text.startswith("-") else ""
                text = sign + "0" * pad + text[len(sign):]
            elif "0" in flags:
                raise TemplateError(f"printf %0{width}{verb}: zero padding only for numbers here")
            else:
                text = " " * pad + text
        out.append(text)
    if args:
        raise TemplateError("printf: too many arguments")
    return "".join(out)


def to_yaml(value) -> str:
    if value is None:
        return "null"
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True, width=10_000).rstrip("\n")


def indent(n, text):
    pad = " " * int(n)
    return "\n".join(pad + line for line in str(text).split("\n"))


def to_int(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return 0
    return 0


def compare(op):
    def run(a, b):
        if isinstance(a, (int, float)) != isinstance(b, (int, float)):
            raise TemplateError(f"incompatible types for comparison: {a!r} {b!r}")
        return op(a, b)
    return run


def default(fallback, value=None):
    return value if truthy(value) else fallback


def trim_suffix(suffix, s):
    return s[: -len(suffix)] if suffix and s.endswith(suffix) else s


def setter(mapping, key, value):
    mapping[key] = value
    return mapping


def regex_match(pattern, s):
    return re.search(pattern, s) is not None


def split_list(sep, s):
    """Go's strings.Split: an empty separator splits into characters, an empty string is [""]."""
    return list(s) if sep == "" else s.split(sep)


def substr(start, end, s):
    """Sprig's substr: a negative start means from 0, a negative or too large end means to the end."""
    if start < 0:
        return s[:end]
    if end < 0 or end > len(s):
        return s[start:]
    return s[start:end]


def atoi(s):
    """Sprig's atoi: strconv.Atoi, 0 on error."""
    return int(s) if re.fullmatch(r"[+-]?[0-9]+", str(s)) else 0


def uniq(items):
    out = []
    for item in items or []:
        if item not in out:
            out.append(item)
    return out


FUNCS = {
    "default": default,
    "empty": lambda v: not truthy(v),
    "not": lambda v: not truthy(v),
    "eq": lambda a, *bs: any(a == b for b in bs),
    "ne": lambda a, b: a != b,
    "lt": compare(lambda a, b: a < b),
    "le": compare(lambda a, b: a <= b),
    "gt": compare(lambda a, b: a > b),
    "ge": compare(lambda a, b: a >= b),
    "len": lambda v: len(v),
    "int": to_int,
    "toString": lambda v: "" if v is None else go_str(v),
    "printf": printf,
    "print": lambda *a: "".join(go_str(x) for x in a),
    "quote": lambda *a: " ".join(json.dumps("" if v is None else go_str(v)) for v in a),
    "trunc": lambda n, s: s[: int(n)] if int(n) >= 0 else s[int(n):],
    "trimSuffix": trim_suffix,
    "trimPrefix": lambda p, s: s[len(p):] if p and s.startswith(p) else s,
    "trim": lambda s: s.strip(),
    "contains": lambda sub, s: sub in s,
    "hasPrefix": lambda p, s: s.startswith(p),
    "replace": lambda old, new, s: s.replace(old, new),
    "upper": lambda s: s.upper(),
    "lower": lambda s: s.lower(),
    "join": lambda sep, items: sep.join(go_str(i) for i in (items or [])),
    "list": lambda *items: list(items),
    "dict": lambda *kv: {kv[i]: kv[i + 1] for i in range(0, len(kv), 2)},
    "set": setter,
    "hasKey": lambda m, k: k in m,
    "index": lambda m, *keys: _index(m, keys),
    "first": lambda items: items[0] if items else None,
    "append": lambda items, v: list(items or []) + [v],
    "concat": lambda *lists: [x for lst in lists for x in (lst or [])],
    "has": lambda needle, items: needle in (items or []),
    "deepCopy": copy.deepcopy,
    "ternary": lambda a, b, cond: a if truthy(cond) else b,
    "regexMatch": regex_match,
    "splitList": split_list,
    "substr": substr,
    "atoi": atoi,
    "repeat": lambda n, s: s * max(int(n), 0),
    "uniq": uniq,
    "last": lambda items: items[-1] if items else None,
    "add": lambda *ns: sum(int(n) for n in ns),
    "sub": lambda a, b: int(a) - int(b),
    "toYaml": to_yaml,
    "toJson": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True),
    "fromJsonArray": lambda s: json.loads(s),
    "nindent": lambda n, s: "\n" + indent(n, s),
    "indent": indent,
    "sha256sum": lambda s: hashlib.sha256(s.encode()).hexdigest(),
    "b64enc": lambda s: base64.b64encode(str(s).encode()).decode(),
    "b64dec": lambda s: base64.b64decode(s).decode(),
    "randAlphaNum": lambda n: "".join(random.choice(string.ascii_letters + string.digits) for _ in range(int(n))),
    "lookup": lambda *a: {},
}


def _index(m, keys):
    for key in keys:
        if m is None:
            raise TemplateError("index of nil")
        m = m[key] if isinstance(m, list) else m.get(key)
    return m


# --- evaluation ---------------------------------------------------------------------------------

class Renderer:
    def __init__(self, defines, root):
        self.defines = defines
        self.root = root

    def field(self, base, path):
        value = base
        for key in [k for k in path.split(".") if k]:
            if value is None:
                raise TemplateError(f"nil pointer evaluating .{key} in {path}")
            if not isinstance(value, dict):
                raise TemplateError(f"can't evaluate field {key} in {type(value).__name__}")
            value = value.get(key)
        return value

    def operand(self, node, dot, scope):
        kind, value = node
        if kind == "lit":
            return value
        if kind == "field":
            return dot if value == "." else self.field(dot, value)
        if kind == "var":
            name, _, path = value.partition(".")
            for frame in reversed(scope):
                if name in frame:
                    return self.field(frame[name], path)
            raise TemplateError(f"undefined variable {name}")
        if kind == "paren":
            return self.pipeline(value, dot, scope)
        if kind == "func" and value in FUNCS:
            return FUNCS[value]()  # a niladic function as an argument is called, as in Go
        raise TemplateError(f"function {value} used as a value")

    def command(self, args, dot, scope, piped, has_piped):
        head = args[0]
        if head[0] == "func":
            name = head[1]
            rest = args[1:]
            if name in ("and", "or"):
                operands = [lambda a=a: self.operand(a, dot, scope) for a in rest]
                if has_piped:
                    operands.append(lambda: piped)
                result = None
                for get in operands:
                    result = get()
                    if (name == "and") != truthy(result):
                        return result
                return result
            values = [self.operand(a, dot, scope) for a in rest]
            if has_piped:
                values.append(piped)
            if name == "include":
                return self.include(*values)
            if name == "fail":
                raise Fail(values[0])
            if name == "required":
                if not truthy(values[1]):
                    raise Fail(values[0])
                return values[1]
            if name not in FUNCS:
                raise TemplateError(f"function {name!r} is not supported by this renderer")
            return FUNCS[name](*values)
        if len(args) > 1 or has_piped:
            raise TemplateError(f"can't give arguments to non-function {head}")
        return self.operand(head, dot, scope)

    def pipeline(self, node, dot, scope):
        _, decl, cmds = node
        value, has = None, False
        for cmd in cmds:
            value = self.command(cmd, dot, scope, value, has)
            has = True
        if decl:
            op, names = decl
            if op == "declare":
                scope[-1][names[-1]] = value
            else:
                for frame in reversed(scope):
                    if names[-1] in frame:
                        frame[names[-1]] = value
                        break
                else:
                    raise TemplateError(f"undefined variable {names[-1]}")
            return None
        return value

    def include(self, name, data):
        if name not in self.defines:
            raise TemplateError(f"no template {name!r}")
        return self.nodes(self.defines[name], data, [{"$": data}])

    def nodes(self, nodes, dot, scope):
        out = []
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[1])
            elif kind == "action":
                value = self.pipeline(node[1], dot, scope)
                if node[1][1] is None:
                    out.append(go_str(value))
            elif kind == "if":
                for cond, body in node[1]:
                    if cond is None or truthy(self.pipeline(cond, dot, scope + [{}])):
                        out.append(self.nodes(body, dot, scope + [{}]))
                        break
            elif kind == "with":
                for cond, body in node[1]:
                    if cond is None:
                        out.append(self.nodes(body, dot, scope + [{}]))
                        break
                    frame = {}
                    value = self.pipeline(cond, dot, scope + [frame])
                    if truthy(value):
                        out.append(self.nodes(body, value, scope + [frame]))
                        break
            elif kind == "range":
                (cond, body), *rest = node[1]
                _, decl, cmds = cond
                frame = {}
                items = self.pipeline(("pipeline", None, cmds), dot, scope + [frame])
                seq = sorted(items.items()) if isinstance(items, dict) else list(enumerate(items or []))
                if seq:
                    for key, item in seq:
                        inner = {}
                        if decl:
                            names = decl[1]
                            if len(names) == 2:
                                inner[names[0]], inner[names[1]] = key, item
                            else:
                                inner[names[0]] = item
                        out.append(self.nodes(body, item, scope + [inner]))
                elif rest:
                    out.append(self.nodes(rest[0][1], dot, scope + [{}]))
        return "".join(out).replace("<no value>", "")


# --- chart --------------------------------------------------------------------------------------

def merge(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        merged = copy.deepcopy(base)
        for key, value in override.items():
            merged[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def render(overrides=(), release="lamplight", namespace="lamplight"):
    """{template name: rendered text} for the chart with the given value overrides."""
    # A template that includes itself (lamplight.bitsCover walks up to 128 bits deep) costs ~20
    # Python frames per level; Helm allows 1000 nested includes of one template.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for override in overrides:
        values = merge(values, override)
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    root = {
        "Values": values,
        "Release": {"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": True},
        "Chart": {"Name": chart["name"], "Version": chart["version"], "AppVersion": chart.get("appVersion", "")},
        "Capabilities": {},
    }
    defines: dict[str, list] = {}
    parsed = {}
    for path in sorted((CHART / "templates").iterdir()):
        nodes, found = parse(lex(path.read_text(), path.name), path.name)
        defines.update(found)
        parsed[path.name] = nodes
    renderer = Renderer(defines, root)
    out = {}
    for name, nodes in parsed.items():
        if name.startswith("_"):
            continue
        out[name] = renderer.nodes(nodes, root, [{"$": root}])
    return out


def manifests(rendered):
    """The Kubernetes objects of a render (NOTES.txt left out)."""
    docs = []
    for name, text in rendered.items():
        if name.endswith(".txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc is not None:
                docs.append((name, doc))
    return docs


def main(argv):
    overrides = []
    args = iter(argv)
    for arg in args:
        if arg == "-f":
            overrides.append(yaml.safe_load(Path(next(args)).read_text()) or {})
        elif arg == "--set-json":
            overrides.append(json.loads(next(args)))
        else:
            sys.exit(__doc__)
    try:
        rendered = render(overrides)
    except Fail as error:
        print(f"Error: execution error: {error}", file=sys.stderr)
        return 1
    for name, text in rendered.items():
        if name.endswith(".txt") or not text.strip():
            continue
        print(f"---\n# Source: lamplight/templates/{name}{text if text.startswith(chr(10)) else chr(10) + text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
