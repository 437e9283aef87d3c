// Package scripttest holds the tests of the shell scripts under scripts/
// (jaeger.sh, compare.sh) and of the README's test command: exit codes,
// messages and what the scripts leave behind, run as a user runs them.
// The package has no code besides its tests.
package scripttest
