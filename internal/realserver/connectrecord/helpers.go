package main

import (
	"errors"
	osexec "os/exec"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func exec(name string, args ...string) error { return osexec.Command(name, args...).Run() }
