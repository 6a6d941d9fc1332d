// Package inngest defines the client, typed functions, triggers, flow-control options
// and errors of the Inngest Go SDK.
//
// A function is generic over the data type of the event that triggers it and over its
// result type; the handler is wrapped in a closure that erases both, so no reflection
// is involved in calling it:
//
//	var UserSignedUp = events.Define[Signup]("app/user.signed-up")
//
//	fn, err := inngest.NewFunction(client,
//		inngest.FunctionOpts{ID: "send-welcome-email"},
//		inngest.OnEvent(UserSignedUp),
//		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
//			return step.Run(ctx, "send", func(ctx context.Context) (string, error) {
//				return mailer.Send(ctx, in.Event.Data.Email)
//			})
//		})
//
// Serve functions with package serve; run them without any server with package
// inngesttest.
package inngest
