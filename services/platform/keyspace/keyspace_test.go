package keyspace

import "testing"

func TestKeysShareTheirAggregateTag(t *testing.T) {
	ks := Keyspace{Prefix: "ta:"}
	for _, tc := range []struct{ got, want string }{
		{ks.Key(CouncilTag("E08000035"), "council"), "ta:{la:E08000035}:council"},
		{ks.Key("councils", "index"), "ta:{councils}:index"},
		{ks.Outbox(CouncilTag("E08000035")), "ta:{la:E08000035}:outbox"},
		{ks.OutboxRegistry(), "ta:{outbox}:registry"},
		{ks.Topic("inspection"), "ta:{topic:inspection}"},
	} {
		if tc.got != tc.want {
			t.Errorf("key = %q, want %q", tc.got, tc.want)
		}
	}
}
