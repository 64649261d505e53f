package server

import "runtime/debug"

// Version is the binary's module version as the Go toolchain stamped it
// ("v1.2.3", a pseudo-version, or "devel" for a plain `go build`).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "devel"
	}
	return bi.Main.Version
}
