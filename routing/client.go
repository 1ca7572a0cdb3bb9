// Package routing is how the command line and the HTTP API act on letters: every routing action
// goes to the letter's IncomingLetter workflow as an update, sent with update-with-start so
// that it works whether or not the workflow is running yet. The workflow serialises the actions
// of one letter; the ApplyAction activity checks the person's right and records it.
package routing

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/saraban/saraban/workflows"
)

// RefusedError is an action the workflow or the activity refused; Msg says why.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// NotFoundError is an action on a letter that does not exist or that the person may not see.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Client sends actions.
type Client struct {
	Temporal  client.Client
	TaskQueue string
	// Timeout bounds one action (default 30 s).
	Timeout time.Duration
}

// Act applies one action to a letter and returns what it did.
func (c *Client) Act(ctx context.Context, letterID string, a workflows.Action) (workflows.ActionResult, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := workflows.IncomingLetterID(letterID)
	start := c.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// A letter's workflow that has ended (the letter was closed) is not started again.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.IncomingLetterName, workflows.IncomingLetterInput{LetterID: letterID})
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: workflows.UpdateAction, UpdateID: a.Kind + "/" + a.RequestID,
			Args: []any{a}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return workflows.ActionResult{}, classify(err)
	}
	var res workflows.ActionResult
	if err := h.Get(ctx, &res); err != nil {
		return workflows.ActionResult{}, classify(err)
	}
	return res, nil
}

func classify(err error) error {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		switch ae.Type() {
		case workflows.ErrRefused:
			return &RefusedError{Msg: ae.Message()}
		case "NotFound":
			return &NotFoundError{Msg: ae.Message()}
		}
		// A validator's rejection arrives as an application error of the error's Go type.
		return &RefusedError{Msg: ae.Message()}
	}
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return &RefusedError{Msg: "the letter is closed (filed): its work has ended and nothing more can be done on it"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer from the letter's workflow in time: is the worker running (`saraban worker`) and Temporal up (`make status`)? %w", err)
	}
	return err
}
