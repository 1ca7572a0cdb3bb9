// Package worker assembles saraban's Temporal worker: every workflow and activity registered
// under its shared name, started in a way that survives Temporal being down at start-up.
package worker

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/workflows"
)

// New builds a worker with every workflow and activity of saraban registered.
func New(tc client.Client, queue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(tc, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(workflows.IncomingLetter, workflow.RegisterOptions{Name: workflows.IncomingLetterName})
	w.RegisterWorkflowWithOptions(workflows.OutgoingLetter, workflow.RegisterOptions{Name: workflows.OutgoingLetterName})
	for name, fn := range acts.Names() {
		w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	for name, fn := range acts.OutgoingNames() {
		w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	return w
}

// Run runs the worker until ctx ends. While Temporal is unreachable it keeps trying, so that
// the worker comes up by itself when Temporal does.
func Run(ctx context.Context, tc client.Client, queue string, acts *activities.Activities, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	for {
		w := New(tc, queue, acts)
		if err := w.Start(); err != nil {
			log.Warn("worker: Temporal not reachable yet, retrying", "error", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(2 * time.Second):
				continue
			}
		}
		<-ctx.Done()
		w.Stop()
		return nil
	}
}
