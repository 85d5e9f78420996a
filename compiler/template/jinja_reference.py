#!/usr/bin/python3
"""Renders the template corpus with the reference: Debian's python3-jinja2
configured exactly as Ansible's template module configures it.

    jinja_reference.py --update DIR   write DIR/NAME.out for every DIR/NAME.j2
    jinja_reference.py --check DIR    fail if a NAME.out differs
    jinja_reference.py --ansible DIR  check against Ansible itself (if
                                      installed) instead of the imitation

NAME.json holds the variables (none when missing). Templates named fail_*
must fail to render; their expected message (from the C++ engine) lives in
NAME.err, which this script leaves alone. Templates named unsupported_* use
constructs the engine rejects on purpose (Jinja2 may well render them); they
are not rendered here.

What Ansible does (ansible/plugins/action/template.py and
ansible/template/__init__.py, ansible-core 2.14), and this script with it:
  * trim_blocks=True, lstrip_blocks=False, newline_sequence='\\n';
  * keep_trailing_newline=False, then do_template appends newlines until the
    output ends with as many '\\n' as the template did;
  * a first line "#jinja2: key: value, ..." overrides environment settings;
  * undefined=AnsibleUndefined (a StrictUndefined whose attributes and items
    are itself); finalize prints None as '' and unrolls iterators, dict
    views and ranges into lists;
  * the filters to_json, to_yaml, to_nice_json, to_nice_yaml, b64encode,
    regex_*, bool, ternary, quote, mandatory, basename, dirname, the tests
    match and search, and the global dict.
Uses only the standard library, jinja2 and (for to_yaml) yaml.
"""

import argparse
import ast
import base64
import json
import os
import re
import shlex
import sys
from collections.abc import Iterator, MappingView

try:
    import jinja2
    from jinja2.runtime import StrictUndefined
except ImportError:  # pragma: no cover
    jinja2 = None

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None


def make_environment():
    class AnsibleUndefined(StrictUndefined):
        def __getattr__(self, name):
            if name == "__UNSAFE__":
                raise AttributeError(name)
            return self

        def __getitem__(self, key):
            return self

        def __contains__(self, item):
            return self

    def finalize(thing):
        # Ansible's _ansible_finalize: None prints as nothing, and iterators,
        # dict views and ranges are unrolled into lists.
        if thing is None:
            return ""
        if isinstance(thing, (Iterator, MappingView, range)):
            return list(thing)
        return thing

    def to_json(a, *args, **kw):
        return json.dumps(a, *args, **kw)

    def to_yaml(a, *args, **kw):
        default_flow_style = kw.pop("default_flow_style", None)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(a, Dumper=dumper, allow_unicode=True,
                         default_flow_style=default_flow_style, **kw)

    def to_nice_json(a, indent=4, sort_keys=True, *args, **kw):
        return to_json(a, indent=indent, sort_keys=sort_keys,
                       separators=(",", ": "), *args, **kw)

    def to_nice_yaml(a, indent=4, *args, **kw):
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(a, Dumper=dumper, indent=indent, allow_unicode=True,
                         default_flow_style=False, **kw)

    def mandatory(a, msg=None):
        if isinstance(a, jinja2.Undefined):
            raise jinja2.TemplateRuntimeError(
                msg if msg is not None else "Mandatory variable not defined.")
        return a

    def b64encode(string, encoding="utf-8"):
        return base64.b64encode(str(string).encode(encoding)).decode()

    def regex_replace(value="", pattern="", replacement="", ignorecase=False,
                      multiline=False):
        flags = (re.I if ignorecase else 0) | (re.M if multiline else 0)
        return re.compile(pattern, flags).sub(replacement, str(value))

    def regex_search(value, regex, *args, **kwargs):
        flags = ((re.I if kwargs.get("ignorecase") else 0) |
                 (re.M if kwargs.get("multiline") else 0))
        match = re.search(regex, str(value), flags)
        return match.group() if match else None

    def regex_findall(value, regex, multiline=False, ignorecase=False):
        flags = (re.I if ignorecase else 0) | (re.M if multiline else 0)
        return re.findall(regex, str(value), flags)

    def regex_escape(string, re_type="python"):
        return re.escape(string)

    def to_bool(a):
        if a is None or isinstance(a, bool):
            return a
        if isinstance(a, str):
            a = a.lower()
        return a in ("yes", "on", "1", "true", 1)

    def ternary(value, true_val, false_val, none_val=None):
        if value is None and none_val is not None:
            return none_val
        return true_val if bool(value) else false_val

    def quote(a):
        return shlex.quote("" if a is None else str(a))

    def regex_test(value, pattern, ignorecase=False, multiline=False,
                   match_type="search"):
        flags = (re.I if ignorecase else 0) | (re.M if multiline else 0)
        return bool(getattr(re, match_type)(pattern, str(value), flags))

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=False,
                             undefined=AnsibleUndefined, finalize=finalize,
                             autoescape=False)
    filters = {
        "to_json": to_json, "to_yaml": to_yaml, "b64encode": b64encode,
        "regex_replace": regex_replace, "regex_search": regex_search,
        "regex_findall": regex_findall, "regex_escape": regex_escape,
        "bool": to_bool, "ternary": ternary, "quote": quote,
        "to_nice_json": to_nice_json, "to_nice_yaml": to_nice_yaml,
        "mandatory": mandatory, "basename": os.path.basename,
        "dirname": os.path.dirname,
    }
    env.filters.update(filters)
    # Ansible unrolls what a filter returns when it is an iterator, a dict
    # view or a range (JinjaPluginIntercept), except for string filters.
    def unroll(f):
        def wrapper(*args, **kwargs):
            ret = f(*args, **kwargs)
            if isinstance(ret, (Iterator, MappingView, range)):
                return list(ret)
            return ret
        for attr in ("jinja_pass_arg", "__name__"):
            if hasattr(f, attr):
                setattr(wrapper, attr, getattr(f, attr))
        return wrapper
    for name in list(env.filters):
        if name not in ("string", "to_json", "to_yaml", "to_nice_json",
                        "to_nice_yaml"):
            env.filters[name] = unroll(env.filters[name])
    # Ansible's own plugins also answer to their full names; Jinja2's
    # builtins do not.
    for name, f in filters.items():
        env.filters["ansible.builtin." + name] = f
    for name in ("match", "search"):
        test = (lambda kind: lambda v, p, i=False, m=False: regex_test(
            v, p, i, m, kind))(name)
        env.tests[name] = env.tests["ansible.builtin." + name] = test
    env.globals["dict"] = dict
    return env


def count_newlines_from_end(text):
    n = 0
    while n < len(text) and text[len(text) - 1 - n] == "\n":
        n += 1
    return n


def render_jinja2(env, data, variables):
    """Ansible's Templar.do_template with the template module's settings."""
    data_newlines = count_newlines_from_end(data)
    if data.startswith("#jinja2:"):
        env = env.overlay()
        eol = data.find("\n")
        line = data[len("#jinja2:"):eol]
        data = data[eol + 1:]
        for pair in line.split(","):
            key, val = pair.split(":", 1)
            setattr(env, key.strip(), ast.literal_eval(val.strip()))
    res = env.from_string(data).render(variables)
    res_newlines = count_newlines_from_end(res)
    if data_newlines > res_newlines:
        res += "\n" * (data_newlines - res_newlines)
    return res


def render_ansible(data, variables):
    """Ansible itself, as its template action plugin calls it."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import AnsibleEnvironment, Templar
    templar = Templar(loader=DataLoader(), variables=variables)
    templar = templar.copy_with_new_env(
        environment_class=AnsibleEnvironment, trim_blocks=True,
        lstrip_blocks=False, available_variables=variables)
    return templar.do_template(data, preserve_trailing_newlines=True,
                               escape_backslashes=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true")
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--ansible", action="store_true")
    parser.add_argument("dir")
    args = parser.parse_args()

    if jinja2 is None:
        print("SKIPPED: python3-jinja2 is not installed (tools/setup "
              "installs it)")
        return 0
    if args.ansible:
        try:
            import ansible  # noqa: F401
        except ImportError:
            print("SKIPPED: Ansible is not installed")
            return 0
    env = make_environment()
    names = sorted(f[:-3] for f in os.listdir(args.dir)
                   if f.endswith(".j2") and not f.startswith("unsupported_"))
    failures, skipped, compared = [], [], 0
    for name in names:
        base = os.path.join(args.dir, name)
        with open(base + ".j2", encoding="utf-8", newline="") as f:
            data = f.read()
        variables = {}
        if os.path.exists(base + ".json"):
            with open(base + ".json", encoding="utf-8") as f:
                variables = json.load(f)
        if yaml is None and ("to_yaml" in data or "to_nice_yaml" in data):
            skipped.append(name)
            continue
        try:
            if args.ansible:
                output, error = render_ansible(data, variables), None
            else:
                output, error = render_jinja2(env, data, variables), None
        except Exception as e:  # Any failure is an expected result here.
            output, error = None, "%s: %s" % (type(e).__name__, e)
        compared += 1
        if name.startswith("fail_"):
            if error is None:
                failures.append("%s: rendered, but should fail:\n%r" %
                                (name, output))
            continue
        if error is not None:
            failures.append("%s: %s" % (name, error))
            continue
        if args.update:
            with open(base + ".out", "w", encoding="utf-8", newline="") as f:
                f.write(output)
            continue
        try:
            with open(base + ".out", encoding="utf-8", newline="") as f:
                expected = f.read()
        except FileNotFoundError:
            failures.append("%s: no %s.out (run with --update)" % (name, name))
            continue
        if output != expected:
            failures.append("%s: differs\n  expected %r\n  got      %r" %
                            (name, expected, output))
    for failure in failures:
        print("FAIL " + failure)
    if skipped:
        print("SKIPPED (python3-yaml missing): " + ", ".join(skipped))
    print("%d templates, %d compared, %d failed" %
          (len(names), compared, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
