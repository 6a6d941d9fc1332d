// Package notificationevents defines the notification domain's events: e-mail requests
// (sent by every other domain) and in-app notifications (batched hourly).
package notificationevents
