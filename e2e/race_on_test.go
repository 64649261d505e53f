//go:build race

package e2e

// raceEnabled builds the binary under test with -race when the tests run
// with it, so the soak also hunts data races in the real process.
const raceEnabled = true
