#!/usr/bin/env bash
# Regenerates Sources/WeirFormats/Protobuf/record.pb.swift from record.proto. Run only when
# the .proto changes; the generated file is committed so builds never run the plugin.
# Needs: apt-get install protobuf-compiler, and protoc-gen-swift built from swift-protobuf
# at the version Package.swift names (swift build -c release --product protoc-gen-swift in
# a checkout of it); pass its path as PROTOC_GEN_SWIFT.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROTOC_GEN_SWIFT:?set PROTOC_GEN_SWIFT to the protoc-gen-swift binary}"
protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
       --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath \
       --swift_out=Sources/WeirFormats/Protobuf \
       -I Sources/WeirFormats/Protobuf Sources/WeirFormats/Protobuf/record.proto
