// Package doccheck keeps the docs true: its tests run the shell commands
// that README.md and docs/*.md show and compare each English file with
// its Chinese one. The package has no code besides its tests.
//
// A fenced shell block (```bash or ```sh), and a block of a transcript
// (lines that start with "$ "), carries a mark on the line before its
// fence, an HTML comment that the rendered page does not show:
//
//	<!-- doccheck: exit 1 1 -->       run it; each command exits so
//	<!-- doccheck: exit bg 0 -->      bg: runs in the background until the block ends; the next command starts once it listens (up to 3 minutes)
//	<!-- doccheck: exclude: REASON -->  not run, for REASON (Docker, a remote host, ...)
//
// A single code stands for every command of the block. Commands run from
// the checkout's root, in a network namespace of their own (nothing
// reaches another host, and the default ports are theirs).
package doccheck
