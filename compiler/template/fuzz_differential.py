#!/usr/bin/python3
"""Random differential testing: generates templates and variables, renders
them with the engine (the render tool) and with the reference of
jinja_reference.py, and prints every difference.

    bazel build //compiler/template:render
    compiler/template/fuzz_differential.py [--kind KIND] [--seed N] [--count N]

KIND is whitespace (tags, whitespace control, trim_blocks, lstrip_blocks,
CRLF), expressions (operators, filters, tests, undefined values),
statements (for, if, set, scoping), regex (regex_replace, regex_search,
regex_findall) or yaml (to_yaml, to_json); the default runs all of them.
Differences that are expected (the engine rejects '%' on strings, which
Python formats) are not counted. Not part of `bazel test`: it takes minutes and
its inputs are random.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jinja_reference  # noqa: E402

WHITESPACE = ["", " ", "  ", "\t", "\n", "\r\n", "\r", " \n ", "a", "b c",
              "\n\n", " x\n", "\u00a0", "\u2003", " \t\n"]


def gen_whitespace(rnd):
    text = whitespace_text(rnd, 0)
    if rnd.random() < 0.3:
        text = "#jinja2: trim_blocks: %s, lstrip_blocks: %s\n%s" % (
            rnd.choice(["True", "False"]), rnd.choice(["True", "False"]), text)
    return text, {"x": "X"}


def whitespace_text(rnd, depth):
    def sign():
        return rnd.choice(["", "", "-", "+"])

    def tag():
        r = rnd.random()
        if r < 0.25:
            return "{{%s x %s}}" % (sign(), rnd.choice(["", "", "-"]))
        if r < 0.4:
            return "{#%s c %s#}" % (sign(), sign())
        if r < 0.5:
            return "{%%%s raw %s%%}%s{%%%s endraw %s%%}" % (
                sign(), rnd.choice(["", "-"]), rnd.choice(WHITESPACE), sign(),
                sign())
        kind = rnd.choice(["if true", "for i in [1,2]"])
        end = "endif" if kind.startswith("if") else "endfor"
        return ("{%%%s %s %s%%}" % (sign(), kind, sign()) +
                whitespace_text(rnd, depth + 1) +
                "{%%%s %s %s%%}" % (sign(), end, sign()))

    out = ""
    for _ in range(rnd.randint(1, 4)):
        out += rnd.choice(WHITESPACE)
        if depth < 2 and rnd.random() < 0.6:
            out += tag()
    return out


EXPR_VARS = {"i": 7, "n": -3, "z": 0, "f": 2.5, "g": -0.5, "s": "Hello World",
             "e": "", "u": "héllo ß", "t": True, "b": False, "nul": None,
             "xs": [3, 1, 2], "ys": ["a", "b"], "d": {"k": "v", "n": 1},
             "ed": {}, "el": [], "num": "42", "fl": "3.75"}
ATOMS = list(EXPR_VARS) + ["missing", "1", "0", "-1", "2.5", "1e3", "True",
                           "none", "'a'", "'xyz'", '"q"', "[1,2]", "[]", "{}",
                           "{'a': 1}", "(1, 2)", "(3,)"]
BINOPS = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">", "<=",
          ">=", "in", "not in", "and", "or"]
FILTERS = ["upper", "lower", "trim", "length", "int", "float", "string",
           "list", "first", "last", "join", "join(',')", "default(5)",
           "d('x')", "to_json", "b64encode", "replace('l','L')", "indent(2)",
           "bool", "ternary('y','n')", "regex_replace('[aeiou]','_')",
           "count", "quote", "default('', true)", "sort", "reverse",
           "map('upper')", "map('string')", "map(attribute='a')", "select",
           "reject('none')", "select('odd')", "selectattr('a')",
           "rejectattr(0, 'eq', 1)", "unique", "min", "max", "sum",
           "flatten", "flatten(1)", "batch(2, 0)", "title", "capitalize",
           "center(9)", "wordcount", "abs", "round", "round(1, 'floor')",
           "items", "dict2items", "items2dict", "combine({'b': 2})",
           "union([1])", "intersect([1, 'a'])", "difference(['a'])",
           "split", "splitext", "comment", "b64decode"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer",
         "float", "mapping", "sequence", "iterable", "even", "odd",
         "divisibleby(3)", "in([1,2,3])", "boolean", "true", "false", "eq(7)",
         "match('H')"]


def gen_expression(rnd, depth=0):
    r = rnd.random()
    if depth > 2 or r < 0.3:
        return rnd.choice(ATOMS)
    sub = lambda: gen_expression(rnd, depth + 1)  # noqa: E731
    if r < 0.55:
        return "(%s %s %s)" % (sub(), rnd.choice(BINOPS), sub())
    if r < 0.7:
        return "%s | %s" % (sub(), rnd.choice(FILTERS))
    if r < 0.8:
        return "(%s is %s%s)" % (sub(), rnd.choice(["", "not "]),
                                 rnd.choice(TESTS))
    if r < 0.87:
        return "(%s if %s else %s)" % (sub(), sub(), sub())
    if r < 0.93:
        return "%s[%s]" % (rnd.choice(["xs", "ys", "s", "d", "u", "(1,2,3)"]),
                           rnd.choice(["0", "-1", "1", "5", "'k'", "'x'",
                                       "1:", "::-1", ":2", "i"]))
    return rnd.choice(["not %s" % sub(), "-%s" % sub(),
                       "%s.k" % rnd.choice(["d", "s", "xs", "missing"])])


STMT_VARS = {"xs": [1, 2, 3], "d": {"a": 1, "b": 2}, "x": 10, "e": [],
             "s": "ab", "pairs": [["k", "v"], ["k2", "v2"]]}
NAMES = ["x", "y", "i", "k", "v", "loop.index", "loop.index0", "loop.first",
         "loop.last", "loop.length", "loop.revindex", "loop.revindex0",
         "loop.cycle('o','e')", "x ~ y", "i + 1", "y | default(0)",
         "i is defined"]


def gen_statements(rnd, depth=0):
    out = ""
    for _ in range(rnd.randint(1, 3)):
        r = rnd.random()
        if depth < 3 and r < 0.25:
            it = rnd.choice(["xs", "e", "d", "s", "range(2)", "d.items()",
                             "d.keys()", "pairs", "[x]"])
            target = ("k, v" if it in ("d.items()", "pairs")
                      else rnd.choice(["i", "x", "y"]))
            cond = rnd.choice(["", "", " if i is defined"])
            if target == "k, v":
                cond = rnd.choice(["", " if k != 'a'"])
            other = rnd.choice(["", "{% else %}" + gen_statements(rnd, depth + 1)])
            out += "{%% for %s in %s%s %%}%s%s{%% endfor %%}" % (
                target, it, cond, gen_statements(rnd, depth + 1), other)
        elif depth < 3 and r < 0.45:
            out += "{%% if %s %%}%s{%% elif %s %%}%s{%% else %%}%s{%% endif %%}" % (
                rnd.choice(["x", "y is defined", "loop is defined", "i == 2"]),
                gen_statements(rnd, depth + 1), rnd.choice(["true", "false"]),
                gen_statements(rnd, depth + 1), gen_statements(rnd, depth + 1))
        elif r < 0.65:
            out += "{%% set %s = %s %%}" % (
                rnd.choice(["x", "y", "i"]),
                rnd.choice(["1", "x + 1", "'s'", "y | default(5)",
                            "i | default(7)"]))
        elif r < 0.7:
            out += "{%% set y %%}%s{%% endset %%}" % gen_statements(rnd, depth + 1)
        else:
            out += "{{ %s }}%s" % (rnd.choice(NAMES), rnd.choice(["", ",", "\n"]))
    return out


REGEX_ATOMS = ["a", "b", "x", ".", "\\d", "\\w", "\\s", "\\W", "[a-c]",
               "[^ab]", "[\\d_]", "\\.", " ", "é", "ß", "\\b", "^", "$", "\\A",
               "\\Z", "(?=a)", "(?!b)", "(?<=a)", "(?<!x)", "\\B", "[.]",
               "\\n", "[A-Z]", "-"]
REGEX_TEXTS = ["", "abc", "aaa bbb", "x1 y22 z333", "a.b.c", "héllo wörld ß",
               "ABC abc", "line1\nline2\n", "ab\nab", "__init__", "a-b_c",
               "  lead", "trail  ", "xxaxxbxx"]


def gen_pattern(rnd, depth=0):
    out = ""
    for _ in range(rnd.randint(1, 4)):
        if depth < 2 and rnd.random() < 0.2:
            inner = gen_pattern(rnd, depth + 1)
            if rnd.random() < 0.3:
                inner += "|" + gen_pattern(rnd, depth + 1)
            out += rnd.choice(["(%s)", "(?:%s)",
                               "(?P<g%d>%%s)" % rnd.randint(0, 99)]) % inner
        else:
            out += rnd.choice(REGEX_ATOMS)
        if rnd.random() < 0.35:
            out += rnd.choice(["*", "+", "?", "{2}", "{1,3}", "{,2}", "{2,}",
                               "*?", "+?", "??", "{1,2}?"])
    return out


def gen_regex(rnd):
    while True:
        pattern = gen_pattern(rnd)
        try:
            compiled = re.compile(pattern)
            break
        except re.error:
            continue
    repl = rnd.choice(["-", "", "[\\g<0>]", "<\\1>" if compiled.groups else "-",
                       "\\\\", "é"])
    variables = {"t": rnd.choice(REGEX_TEXTS), "p": pattern, "r": repl}
    kind = rnd.random()
    if kind < 0.6:
        return ("{{ t | regex_replace(p, r%s) }}" %
                rnd.choice(["", ", ignorecase=true", ", multiline=true"]),
                variables)
    if kind < 0.8:
        return "{{ t | regex_search(p) }}", variables
    return "{{ t | regex_findall(p) }}", variables


YAML_PIECES = ["a", "b", " ", "  ", "yes", "no", "null", "~", "1", "0x1F",
               "1.5", "-", ":", ": ", "#", " #", ",", "[", "]", "{", "}", "?",
               "!", "&", "*", "|", ">", "'", '"', "%", "@", "`", "\n", "\t",
               "\\", "é", "ß", "✓", "😀", "\u00a0", "\u2028", "\u0085", "---",
               "...", "=", "<<", "2001-12-14", "1:20", "True", "off",
               "word " * 5, "x" * 30, "\r", "\x01", "\ufeff"]


def gen_value(rnd, depth=0):
    r = rnd.random()
    if depth > 3 or r < 0.5:
        c = rnd.random()
        if c < 0.6:
            return "".join(rnd.choice(YAML_PIECES)
                           for _ in range(rnd.randint(0, 5)))
        if c < 0.7:
            return rnd.randint(-1000, 10 ** 12)
        if c < 0.8:
            return rnd.choice([0.0, -0.0, 1.5, 1e16, 1e-7, 123.456, 2.0,
                               float("inf"), -1e300])
        return rnd.choice([True, False, None])
    if r < 0.75:
        return [gen_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
    return {"".join(rnd.choice(YAML_PIECES) for _ in range(rnd.randint(0, 3))):
            gen_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}


def gen_yaml(rnd):
    f = rnd.choice(["to_yaml", "to_json", "to_json(indent=2)",
                    "to_json(sort_keys=true)",
                    "to_yaml(default_flow_style=false)", "to_yaml(indent=4)",
                    "string"])
    return "{{ v | %s }}" % f, {"v": gen_value(rnd)}


GENERATORS = {
    "whitespace": gen_whitespace,
    "expressions": lambda rnd: ("{{ %s }}" % gen_expression(rnd), EXPR_VARS),
    "statements": lambda rnd: (gen_statements(rnd) + "{{ x }}", STMT_VARS),
    "regex": gen_regex,
    "yaml": gen_yaml,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=sorted(GENERATORS), default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--render", default="bazel-bin/compiler/template/render")
    args = parser.parse_args()
    env = jinja_reference.make_environment()
    rnd = random.Random(args.seed)
    differences = compared = 0
    with tempfile.TemporaryDirectory() as tmp:
        template_path = os.path.join(tmp, "t.j2")
        vars_path = os.path.join(tmp, "t.json")
        for kind in [args.kind] if args.kind else sorted(GENERATORS):
            for _ in range(args.count):
                text, variables = GENERATORS[kind](rnd)
                try:
                    expected = jinja_reference.render_jinja2(env, text,
                                                             variables)
                except Exception as e:  # A failure is a result too.
                    expected = None
                    expected_error = "%s: %s" % (type(e).__name__, e)
                with open(template_path, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
                with open(vars_path, "w", encoding="utf-8") as f:
                    json.dump(variables, f)
                run = subprocess.run([args.render, template_path, vars_path],
                                     capture_output=True)
                got = (run.stdout.decode("utf-8") if run.returncode == 0
                       else None)
                compared += 1
                if got == expected:
                    continue
                # The engine rejects '%' on strings, which Python formats.
                if got is None and expected is not None and " % " in text:
                    continue
                differences += 1
                print("DIFFERENCE (%s) %r" % (kind, text))
                print("  vars     %s" % json.dumps(variables)[:300])
                print("  jinja2   %s" % (repr(expected) if expected is not None
                                         else expected_error))
                print("  engine   %s" % (repr(got) if got is not None
                                         else run.stderr.decode().strip()))
    print("%d compared, %d differences" % (compared, differences))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
