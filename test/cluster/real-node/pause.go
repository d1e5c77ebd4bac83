// pause: the Pod sandbox process for the real node in the test cluster (no pause image can be pulled
// here). It holds the Pod's namespaces until SIGINT/SIGTERM and, as the sandbox's PID 1, reaps the
// zombies that containers sharing its PID namespace leave, like Kubernetes' build/pause/linux/pause.c.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
