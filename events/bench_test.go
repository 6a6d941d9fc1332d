package events_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// benchUser marshals to about 1 KB.
func benchUser() user {
	u := validUser()
	u.Name = "Ann"
	u.Age = 42
	u.Score = 9.5
	u.Role = "admin"
	u.Active = true
	u.Address.Zip = "12345"
	u.Tags = strings.Split("alpha,beta,gamma,delta,epsilon,zeta,eta,theta,iota,kappa,lambda,mu,nu,xi,omicron,pi,rho,sigma,tau,upsilon", ",")
	u.Attrs = map[string]int{"logins": 12, "posts": 99, "likes": 1234, "follows": 7, "reports": 0}
	u.Backup = &address{Street: "2 Side Road, Apartment 7", City: "Shelbyville", Zip: "54321"}
	m := validUser()
	m.Email = "manager.of.ann@example.com"
	m.Tags = strings.Split("boss,reviewer,approver,owner,on-call,team-lead,mentor,interviewer,budget-holder,security-champion,release-manager,incident-commander", ",")
	m.Attrs = map[string]int{"reports": 5, "approvals": 321, "reviews": 4567}
	m.CreatedAt = time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	u.Manager = &m
	return u
}

func BenchmarkValidate(b *testing.B) {
	u := benchUser()
	data, err := json.Marshal(u)
	require.NoError(b, err)
	require.Greater(b, len(data), 800)
	require.NoError(b, userCreated.Validate(u))
	b.Run("Validate", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := userCreated.Validate(u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ValidateJSON", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := userCreated.ValidateJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal only", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal baseline", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v user
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEnvelope(b *testing.B) {
	ev := userCreated.New(benchUser())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ev.Envelope(); err != nil {
			b.Fatal(err)
		}
	}
}
