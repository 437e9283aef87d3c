// Package repo finds this repository's checkout, for the tests and tools
// that run its scripts and build its programs.
package repo

import (
	"errors"
	"os"
	"path/filepath"
)

// Root walks up from the current directory to the checkout: the directory
// with go.work and inprocess-grpc/main.go.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if IsCheckout(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the sample's checkout (no go.work with inprocess-grpc above the current directory)")
		}
		dir = parent
	}
}

// IsCheckout reports whether dir is the sample's checkout: it has go.work
// and inprocess-grpc/main.go.
func IsCheckout(dir string) bool {
	return isFile(filepath.Join(dir, "go.work")) && isFile(filepath.Join(dir, "inprocess-grpc", "main.go"))
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
