package routing

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/workflows"
)

// StartOutgoing starts the OutgoingLetter workflow of a letter stored by storage.CreateOutgoing.
// Starting it twice is harmless: the running workflow is kept.
func (c *Client) StartOutgoing(ctx context.Context, in workflows.OutgoingInput) error {
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.OutgoingLetterID(in.OutgoingID), TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.OutgoingLetterName, in)
	return classify(err)
}

// ActOutgoing sends one step (approve, return, resubmit, sign) to an outgoing letter's workflow
// as an update, with update-with-start so that it works whether or not the workflow runs yet;
// in is the workflow's input, rebuilt from the stored letter.
func (c *Client) ActOutgoing(ctx context.Context, in workflows.OutgoingInput, a workflows.OutgoingAction) (workflows.OutgoingResult, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Minute // signing and stamping take longer than a routing action
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := workflows.OutgoingLetterID(in.OutgoingID)
	start := c.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.OutgoingLetterName, in)
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: workflows.UpdateOutgoing, UpdateID: a.Kind + "/" + a.RequestID,
			Args: []any{a}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return workflows.OutgoingResult{}, classifyOutgoing(err)
	}
	var res workflows.OutgoingResult
	if err := h.Get(ctx, &res); err != nil {
		return workflows.OutgoingResult{}, classifyOutgoing(err)
	}
	return res, nil
}

// OutgoingState asks the workflow where the letter stands.
func (c *Client) OutgoingState(ctx context.Context, outgoingID string) (workflows.OutgoingState, error) {
	var st workflows.OutgoingState
	v, err := c.Temporal.QueryWorkflow(ctx, workflows.OutgoingLetterID(outgoingID), "", workflows.QueryOutgoing)
	if err != nil {
		return st, err
	}
	err = v.Get(&st)
	return st, err
}

func classifyOutgoing(err error) error {
	err = classify(err)
	if r, ok := err.(*RefusedError); ok && r.Msg == "the letter is closed (filed): its work has ended and nothing more can be done on it" {
		return &RefusedError{Msg: "the outgoing letter has been signed and sent: nothing more can be done on it"}
	}
	return err
}
