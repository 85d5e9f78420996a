"""Repositories that wrap libraries installed from Debian's packages.

Nothing here downloads: each repository asks pkg-config (or takes fixed flags)
on this machine and writes a BUILD file with one cc_library per library.
"""

def _pkg_config_impl(ctx):
    args = ["pkg-config", "--libs"] + ctx.attr.modules
    result = ctx.execute(args)
    if result.return_code != 0:
        fail("pkg-config failed for %s (run tools/setup first): %s" %
             (ctx.attr.modules, result.stderr))
    linkopts = result.stdout.strip().split(" ")
    cflags = ctx.execute(["pkg-config", "--cflags-only-I"] + ctx.attr.modules)
    includes = [f[2:] for f in cflags.stdout.strip().split(" ") if f.startswith("-I")]

    # Headers under /usr/include are on the compiler's default path; other
    # include directories are linked into the repository so that Bazel can
    # name them relatively.
    inc_attrs = []
    for i, path in enumerate(includes):
        if path == "/usr/include":
            continue
        ctx.symlink(path, "include%d" % i)
        inc_attrs.append("include%d" % i)
    ctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "lib",
    hdrs = glob([{globs}], allow_empty = True),
    includes = {includes},
    linkopts = {linkopts},
)
""".format(
        globs = ", ".join(['"%s/**"' % d for d in inc_attrs]),
        includes = repr(inc_attrs),
        linkopts = repr([o for o in linkopts if o] + ctx.attr.extra_linkopts),
    ))

pkg_config_repository = repository_rule(
    implementation = _pkg_config_impl,
    attrs = {
        "modules": attr.string_list(mandatory = True),
        "extra_linkopts": attr.string_list(),
    },
    local = True,
    environ = ["PKG_CONFIG_PATH"],
)

def _system_headers_impl(ctx):
    ctx.symlink(ctx.attr.include_dir, "include")
    ctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "lib",
    hdrs = glob(["include/**/*.h"]),
    includes = ["include"],
    linkopts = {linkopts},
)
""".format(linkopts = repr(ctx.attr.linkopts)))

system_headers_repository = repository_rule(
    implementation = _system_headers_impl,
    attrs = {
        "include_dir": attr.string(mandatory = True),
        "linkopts": attr.string_list(),
    },
    local = True,
)

def cairn_system_libraries():
    """Declares every system library the project links against."""
    pkg_config_repository(
        name = "absl",
        modules = [
            "absl_strings",
            "absl_str_format",
            "absl_status",
            "absl_statusor",
            "absl_flat_hash_map",
            "absl_flat_hash_set",
            "absl_span",
            "absl_time",
        ],
    )
    pkg_config_repository(name = "protobuf", modules = ["protobuf"])
    pkg_config_repository(name = "grpc", modules = ["grpc++", "protobuf"])
    pkg_config_repository(name = "gtest", modules = ["gmock", "gtest"])
    pkg_config_repository(name = "gtest_main", modules = ["gmock", "gtest_main"])
    pkg_config_repository(
        name = "benchmark",
        modules = ["benchmark"],
        extra_linkopts = ["-lpthread"],
    )
    pkg_config_repository(name = "libssh", modules = ["libssh"])
    pkg_config_repository(name = "openssl", modules = ["openssl"])
    pkg_config_repository(name = "sqlite3", modules = ["sqlite3"])
    pkg_config_repository(name = "ldns", modules = ["ldns"])
    pkg_config_repository(name = "libpq", modules = ["libpq"])
    system_headers_repository(
        name = "antlr4_runtime",
        include_dir = "/usr/include/antlr4-runtime",
        linkopts = ["-lantlr4-runtime"],
    )
