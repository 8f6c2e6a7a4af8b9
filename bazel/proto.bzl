"""protobuf-c code and descriptor sets from .proto files, with protoc from Debian (offline)."""

# Where the well-known, google.api/google.rpc and gRPC protos live on Debian 12.
PROTO_ROOTS = [
    "/usr/include",
    "/usr/share/gocode/src/github.com/gogo/googleapis",
    "/usr/share/grpc-proto",
]

def _includes():
    return " ".join(["-I" + native.package_name()] + ["-I" + r for r in PROTO_ROOTS])

def pb_c_library(name, srcs, system_protos = [], deps = [], visibility = None):
    """C code for `srcs` (files in this package) and `system_protos` (paths under PROTO_ROOTS).

    Generated headers are included by their proto path: "ehall/system/v1/system.pb-c.h".
    """
    protos = [s for s in srcs] + system_protos
    outs = []
    for p in protos:
        base = p[:-len(".proto")]
        outs += [base + ".pb-c.c", base + ".pb-c.h"]
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = outs,
        cmd = "protoc-c %s --c_out=$(RULEDIR) %s" % (_includes(), " ".join(protos)),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".c")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        copts = ["-Wno-unused-parameter", "-Wno-missing-field-initializers"],
        deps = deps + ["//bazel:protobuf_c"],
        visibility = visibility,
    )

def descriptor_set(name, srcs, system_protos = [], symbol = None, visibility = None):
    """A FileDescriptorSet (with imports and json names) of the given protos, plus a cc_library
    embedding its bytes as `const unsigned char SYMBOL[]; const size_t SYMBOL_len;`."""
    protos = [s for s in srcs] + system_protos
    native.genrule(
        name = name + "_bin",
        srcs = srcs,
        outs = [name + ".pb"],
        cmd = "protoc %s --include_imports --include_source_info --descriptor_set_out=$@ %s" % (_includes(), " ".join(protos)),
    )
    sym = symbol or name
    native.genrule(
        name = name + "_c",
        srcs = [name + ".pb"],
        outs = [name + "_embed.c"],
        tools = ["//bazel:embed.sh"],
        cmd = "$(location //bazel:embed.sh) $< $@ " + sym,
    )
    native.cc_library(
        name = name,
        srcs = [name + "_embed.c"],
        visibility = visibility,
    )
