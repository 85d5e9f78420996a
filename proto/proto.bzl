"""cc_proto: C++ code for .proto files, generated at build time by Debian's
protoc (and grpc_cpp_plugin for services). No download, no rules_proto."""

def cc_proto(name, srcs, deps = [], grpc = False, visibility = None):
    """Generates and compiles C++ for `srcs` (paths inside this package).

    Also writes NAME_descriptor_set: a FileDescriptorSet with source info
    (the comments), for tools that document or complete from the schema.
    """
    pkg = native.package_name()
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    proto_paths = " ".join(["%s/%s" % (pkg, s) for s in srcs])
    grpc_flags = ""
    if grpc:
        grpc_flags = "--grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin"
    dep_files = [d + "_srcs" for d in deps]
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs,
        visibility = ["//visibility:public"],
    )
    native.genrule(
        name = name + "_gen",
        srcs = srcs + dep_files,
        outs = outs,
        cmd = "protoc --proto_path=. --proto_path=/usr/include --cpp_out=$(GENDIR) %s %s" %
              (grpc_flags, proto_paths),
    )
    native.genrule(
        name = name + "_descriptor_set",
        srcs = srcs + dep_files,
        outs = [name + ".descriptor_set.pb"],
        cmd = "protoc --proto_path=. --proto_path=/usr/include --include_source_info --include_imports --descriptor_set_out=$@ %s" % proto_paths,
        visibility = visibility,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        copts = ["-w"],
        deps = deps + ["//third_party:protobuf"] + (["//third_party:grpc"] if grpc else []),
        visibility = visibility,
    )
