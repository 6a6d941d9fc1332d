// Package providers holds the app's outside world behind small interfaces:
// Email, Discord and Payments. The implementations here are local: they write
// what they "send" to the store's outbox and charges tables, so the demo can
// show (and its checks can prove) what happened. Swap them for real providers
// (an SMTP or API client, a Discord webhook, a payment gateway) in production.
package providers
