package exec

import "context"

// RunIDFrom returns the id of the run that owns ctx, or "" outside a run.
func RunIDFrom(ctx context.Context) string {
	f := frameFrom(ctx)
	if f == nil {
		return ""
	}
	return f.run.call.Req.Ctx.RunID
}
