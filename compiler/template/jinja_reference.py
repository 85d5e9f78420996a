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
    b64decode, regex_*, bool, ternary, quote, mandatory, basename, dirname,
    splitext, path_join, split, comment, extract, combine, dict2items,
    items2dict, flatten, unique (Ansible's, which replaces Jinja2's), union,
    intersect, difference, symmetric_difference, the tests match and
    search, and the global dict. Each is written here from Ansible's
    documented behaviour; `--ansible` checks them against Ansible itself.
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
from collections.abc import (Hashable, Iterator, Mapping, MappingView,
                             MutableMapping, MutableSequence, Sequence)

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

    def fail_on_undefined(thing):
        # Ansible's _fail_on_undefined: an undefined value anywhere in a
        # list or dict fails.
        if isinstance(thing, Mapping):
            for value in thing.values():
                fail_on_undefined(value)
        elif is_sequence(thing):
            for item in thing:
                fail_on_undefined(item)
        elif isinstance(thing, StrictUndefined):
            str(thing)

    def finalize(thing):
        # Ansible's _ansible_finalize: None prints as nothing, undefined
        # values inside lists and dicts fail, and iterators, dict views and
        # ranges are unrolled into lists.
        fail_on_undefined(thing)
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

    def b64decode(string, encoding="utf-8"):
        return base64.b64decode(str(string).encode()).decode(
            encoding, "surrogateescape")

    def split(value, *args, **kwargs):
        return str.split(value, *args, **kwargs)

    def splitext(path):
        return os.path.splitext(path)

    def path_join(paths):
        if isinstance(paths, str):
            return os.path.join(paths)
        if isinstance(paths, Sequence):
            return os.path.join(*paths)
        raise jinja2.TemplateRuntimeError("path_join: not a sequence")

    def is_sequence(x):
        return isinstance(x, Sequence) and not isinstance(x, (str, bytes))

    # plugins/filter/core.py: splice nested lists in, `levels` deep or all
    # the way, dropping None, 'None' and 'null'.
    def flatten(seq, levels=None, skip_nulls=True):
        out = []
        for x in seq:
            if skip_nulls and x in (None, "None", "null"):
                continue
            if not is_sequence(x):
                out.append(x)
            elif levels is None:
                out.extend(flatten(x, skip_nulls=skip_nulls))
            elif levels >= 1:
                out.extend(flatten(x, int(levels) - 1, skip_nulls))
            else:
                out.append(x)
        return out

    # ansible/utils/vars.py merge_hash: `high` wins over `low`.
    def merge(low, high, recursive, list_merge):
        if list_merge not in ("replace", "keep", "append", "prepend",
                              "append_rp", "prepend_rp"):
            raise jinja2.TemplateRuntimeError("merge_hash: bad list_merge")
        if not (isinstance(low, MutableMapping) and
                isinstance(high, MutableMapping)):
            raise jinja2.TemplateRuntimeError(
                "failed to combine variables, expected dicts")
        if low == {} or low == high:
            return high.copy()
        merged = low.copy()
        if not recursive and list_merge == "replace":
            merged.update(high)
            return merged
        for key, new in high.items():
            if key not in merged:
                merged[key] = new
                continue
            old = merged[key]
            if (isinstance(old, MutableMapping) and
                    isinstance(new, MutableMapping)):
                merged[key] = (merge(old, new, recursive, list_merge)
                               if recursive else new)
            elif (isinstance(old, MutableSequence) and
                  isinstance(new, MutableSequence)):
                rest = [x for x in old if x not in new]
                merged[key] = {
                    "replace": new, "keep": old, "append": old + new,
                    "prepend": new + old, "append_rp": rest + new,
                    "prepend_rp": new + rest}[list_merge]
            else:
                merged[key] = new
        return merged

    def combine(*terms, **kwargs):
        recursive = kwargs.pop("recursive", False)
        list_merge = kwargs.pop("list_merge", "replace")
        if kwargs:
            raise jinja2.TemplateRuntimeError("combine: unknown arguments")
        dicts = flatten(terms, levels=1)
        if not dicts:
            return {}
        result = dicts[-1]
        for d in reversed(dicts[:-1]):
            result = merge(d, result, recursive, list_merge)
        return result

    def dict2items(d, key_name="key", value_name="value"):
        if not isinstance(d, Mapping):
            raise jinja2.TemplateRuntimeError("dict2items requires a dict")
        return [{key_name: k, value_name: v} for k, v in d.items()]

    def items2dict(seq, key_name="key", value_name="value"):
        if not is_sequence(seq):
            raise jinja2.TemplateRuntimeError("items2dict requires a list")
        return dict((x[key_name], x[value_name]) for x in seq)

    @jinja2.pass_environment
    def extract(environment, item, container, morekeys=None):
        keys = [item] + (morekeys if isinstance(morekeys, list) else
                         [] if morekeys is None else [morekeys])
        for key in keys:
            container = environment.getitem(container, key)
        return container

    # mathstuff.py: Jinja2's unique first; if that fails, without
    # case_sensitive=False or an attribute, a loop comparing with ==.
    def unique(a, case_sensitive=None, attribute=None):
        try:
            return list(jinja2.filters.do_unique(
                env, a, case_sensitive=bool(case_sensitive),
                attribute=attribute))
        except Exception:
            if case_sensitive is False or attribute:
                raise
        out = []
        for x in a:
            if x not in out:
                out.append(x)
        return out

    def set_filter(kind):
        def apply(a, b):
            if isinstance(a, Hashable) and isinstance(b, Hashable):
                sets = {"union": set.union, "intersect": set.intersection,
                        "difference": set.difference,
                        "symmetric_difference": set.symmetric_difference}
                return sets[kind](set(a), set(b))
            if kind == "union":
                return unique(a + b, True)
            if kind == "intersect":
                return unique([x for x in a if x in b], True)
            if kind == "difference":
                return unique([x for x in a if x not in b], True)
            common = set_filter("intersect")(a, b)
            return [x for x in set_filter("union")(a, b) if x not in common]
        return apply

    def comment(text, style="plain", **kw):
        styles = {"plain": ("", "# ", ""), "erlang": ("", "% ", ""),
                  "c": ("", "// ", ""), "cblock": ("/*", " * ", " */"),
                  "xml": ("<!--", " - ", "-->")}
        beginning, decoration, end = styles[style]
        decoration = kw.get("decoration", decoration)
        nl = kw.get("newline", "\n")
        beginning = kw.get("beginning", beginning)
        end = kw.get("end", end)
        prefix = kw.get("prefix", decoration.rstrip())
        postfix = kw.get("postfix", decoration.rstrip())
        out = beginning + nl if beginning else ""
        if prefix:
            line = prefix + nl if prefix != nl else nl
            out += line * int(kw.get("prefix_count", 1))
        body = decoration + text.replace(nl, nl + decoration)
        out += body.replace(decoration + nl, decoration.rstrip() + nl)
        out += (nl + postfix) * int(kw.get("postfix_count", 1))
        return out + (nl + end if end else "")

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
        "dirname": os.path.dirname, "b64decode": b64decode, "split": split,
        "splitext": splitext, "path_join": path_join, "flatten": flatten,
        "combine": combine, "dict2items": dict2items,
        "items2dict": items2dict, "extract": extract, "unique": unique,
        "comment": comment,
    }
    for kind in ("union", "intersect", "difference", "symmetric_difference"):
        filters[kind] = set_filter(kind)
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
        test = (lambda kind: lambda v, pattern, ignorecase=False,
                multiline=False: regex_test(v, pattern, ignorecase,
                                            multiline, kind))(name)
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
