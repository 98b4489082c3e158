-- mptunnel.lua - Wireshark/tshark dissector for the mptunnel wire protocol
-- (versions 1 and 2, tunnel/PROTOCOL.md) and for mpbridge's capture marks
-- (bridge/capture.h: what the TOS byte of a record in an mpbridge --pcap
-- file means).
--
--   tshark -X lua_script:tools/wireshark/mptunnel.lua -r capture.pcap
--   tshark -X lua_script:tools/wireshark/mptunnel.lua -r c.pcap -T fields -e mptunnel.seq -e mptunnel.flow
--   wireshark: copy to ~/.local/lib/wireshark/plugins/ (or Help > About > Folders)
--
-- Registered on the UDP ports of the preference "mptunnel.ports" (the
-- seed's example and the lab's defaults), and as a heuristic dissector on
-- UDP that accepts a datagram only when its version, type and size agree
-- (52 (+8) + len + 4 or 16 bytes for v2, 36 + len (+16) for v1), so a
-- capture on any port decodes.  Suite 0 datagrams have their CRC32C
-- checked (preference "mptunnel.check_crc").
--
-- mpbridge marks (postdissector "mpbridge", only on link-type RAW records,
-- which is what mpbridge writes):  TOS 0x00 arrival, 0x80 | flags << 3
-- forwarded, reason | flags << 3 dropped, with reason 1 loss, 2 queue,
-- 3 mtu, 4 blackout, 5 noclient, 6 send, 7 exit and flags 0x01 duplicate,
-- 0x02 corrupted, 0x04 truncated, 0x08 reordered.  A drop record reads
-- "dropped: loss".

local p = Proto("mptunnel", "mptunnel multipath UDP tunnel")

local types2 = { [1] = "DATA", [2] = "PING", [3] = "PONG", [4] = "COOKIE", [5] = "PARITY",
	[6] = "FEEDBACK", [7] = "NOTICE" }
local types1 = { [1] = "DATA", [2] = "PING", [3] = "PONG", [4] = "COOKIE" }
local suites = { [0] = "clear + CRC32C", [1] = "ChaCha20-Poly1305", [2] = "AES-256-GCM" }
local notices = { [1] = "unknown key id", [2] = "authentication failed",
	[3] = "suite not accepted", [4] = "peer keyed, we are not",
	[5] = "peer unkeyed, we are keyed", [6] = "target not allowed", [7] = "version" }
local redundancy = { [0] = "keep", [1] = "broadcast", [2] = "fec", [3] = "auto" }
local target_kinds = { [1] = "name", [4] = "IPv4", [6] = "IPv6" }

local f = p.fields
f.version = ProtoField.uint8("mptunnel.version", "Version")
f.type = ProtoField.uint8("mptunnel.type", "Type", base.DEC, types2)
f.flags = ProtoField.uint8("mptunnel.flags", "Flags", base.HEX)
f.f_server = ProtoField.bool("mptunnel.flags.server", "Sent by mpserver", 8, nil, 0x01)
f.f_fec = ProtoField.bool("mptunnel.flags.fec", "FEC extension", 8, nil, 0x02)
f.f_target = ProtoField.bool("mptunnel.flags.target", "Target descriptor", 8, nil, 0x04)
f.f_sealed = ProtoField.bool("mptunnel.flags.sealed", "Sealed (v1)", 8, nil, 0x02)
f.suite = ProtoField.uint8("mptunnel.suite", "Suite", base.DEC, suites)
f.server = ProtoField.uint16("mptunnel.server", "Server id")
f.path = ProtoField.uint8("mptunnel.path", "Path id")
f.reserved = ProtoField.bytes("mptunnel.reserved", "Reserved")
f.key_id = ProtoField.uint32("mptunnel.key_id", "Key id", base.HEX)
f.flow = ProtoField.uint32("mptunnel.flow", "Flow")
f.session = ProtoField.uint64("mptunnel.session", "Session", base.HEX)
f.epoch = ProtoField.uint64("mptunnel.epoch", "Epoch", base.HEX)
f.seq = ProtoField.uint64("mptunnel.seq", "Sequence number")
f.path_seq = ProtoField.uint32("mptunnel.path_seq", "Path sequence number")
f.stamp = ProtoField.uint32("mptunnel.stamp", "Stamp (µs mod 2^32)")
f.len = ProtoField.uint16("mptunnel.len", "Payload length")
f.block = ProtoField.uint32("mptunnel.fec.block", "FEC block")
f.index = ProtoField.uint8("mptunnel.fec.index", "FEC symbol index")
f.k = ProtoField.uint8("mptunnel.fec.k", "FEC data symbols (k)")
f.m = ProtoField.uint8("mptunnel.fec.m", "FEC parity symbols (m)")
f.payload = ProtoField.bytes("mptunnel.payload", "Payload")
f.crc = ProtoField.uint32("mptunnel.crc", "CRC32C", base.HEX)
f.crc_status = ProtoField.string("mptunnel.crc.status", "CRC32C status")
f.tag = ProtoField.bytes("mptunnel.tag", "AEAD tag")
-- PING / PONG
f.ping_stamp = ProtoField.uint64("mptunnel.ping.stamp", "Stamp (ns)")
f.ping_token = ProtoField.bytes("mptunnel.ping.token", "Token (cookie or challenge)")
f.ping_probe = ProtoField.uint16("mptunnel.ping.probe_size", "Probe size")
f.ping_pflags = ProtoField.uint8("mptunnel.ping.path_flags", "Path flags", base.HEX)
f.ping_backup = ProtoField.bool("mptunnel.ping.backup", "Backup path", 8, nil, 0x01)
f.ping_mode = ProtoField.uint8("mptunnel.ping.redundancy", "Redundancy", base.DEC, redundancy)
f.ping_k = ProtoField.uint8("mptunnel.ping.k", "FEC k")
f.ping_m = ProtoField.uint8("mptunnel.ping.m", "FEC m")
f.ping_wait = ProtoField.uint16("mptunnel.ping.wait", "FEC wait (100 µs)")
f.ping_loss = ProtoField.uint32("mptunnel.ping.target_loss", "Target loss (ppm)")
f.ping_name = ProtoField.string("mptunnel.ping.path_name", "Path name")
f.ping_pad = ProtoField.bytes("mptunnel.ping.padding", "Probe padding")
f.ping1_path = ProtoField.uint16("mptunnel.ping.v1_path", "Path (v1)")
f.cookie = ProtoField.bytes("mptunnel.cookie", "Cookie")
-- FEEDBACK
f.fb_count = ProtoField.uint8("mptunnel.feedback.count", "Entries")
f.fb_path = ProtoField.uint8("mptunnel.feedback.path", "Path id")
f.fb_burst = ProtoField.uint16("mptunnel.feedback.burst", "Mean loss burst (1/16 datagram)")
f.fb_highest = ProtoField.uint32("mptunnel.feedback.highest", "Highest path seq")
f.fb_received = ProtoField.uint32("mptunnel.feedback.received", "Received")
f.fb_echo = ProtoField.uint32("mptunnel.feedback.echo", "Echoed stamp")
f.fb_delay = ProtoField.uint32("mptunnel.feedback.delay", "Delay (µs)")
-- NOTICE
f.notice_code = ProtoField.uint16("mptunnel.notice.code", "Code", base.DEC, notices)
f.notice_suite = ProtoField.uint8("mptunnel.notice.expected_suite", "Expected suite", base.DEC, suites)
-- target descriptor
f.tgt_kind = ProtoField.uint8("mptunnel.target.kind", "Target kind", base.DEC, target_kinds)
f.tgt_len = ProtoField.uint8("mptunnel.target.length", "Target length")
f.tgt_name = ProtoField.string("mptunnel.target.name", "Target name")
f.tgt_ipv4 = ProtoField.ipv4("mptunnel.target.ipv4", "Target IPv4")
f.tgt_ipv6 = ProtoField.ipv6("mptunnel.target.ipv6", "Target IPv6")
f.tgt_port = ProtoField.uint16("mptunnel.target.port", "Target port")
-- coded symbol prefix (PARITY symbols are coded; shown for DATA-shaped recovery only)

local e_crc = ProtoExpert.new("mptunnel.crc.bad", "CRC32C mismatch", expert.group.CHECKSUM,
	expert.severity.ERROR)
local e_size = ProtoExpert.new("mptunnel.size.bad", "size disagrees with the length field",
	expert.group.MALFORMED, expert.severity.ERROR)
p.experts = { e_crc, e_size }

p.prefs.ports = Pref.range("UDP ports", "2000,4001-4003,5000,6000",
	"UDP ports carrying mptunnel datagrams (bridge listen ports, mpserver's port)", 65535)
p.prefs.check_crc = Pref.bool("Check CRC32C", true, "Verify the CRC32C trailer of suite 0 datagrams")

-- ---- CRC32C (reflected 0x82f63b78, init and final xor 0xffffffff) ----
local crc_table = {}
for i = 0, 255 do
	local c = i
	for _ = 1, 8 do
		if bit32.band(c, 1) ~= 0 then
			c = bit32.bxor(bit32.rshift(c, 1), 0x82f63b78)
		else
			c = bit32.rshift(c, 1)
		end
	end
	crc_table[i] = c
end

local function crc32c(tvb, off, n)
	local crc = 0xffffffff
	local bytes = tvb:range(off, n):bytes()
	for i = 0, n - 1 do
		crc = bit32.bxor(crc_table[bit32.band(bit32.bxor(crc, bytes:get_index(i)), 0xff)],
			bit32.rshift(crc, 8))
	end
	return bit32.bnot(crc)
end

-- ---- shape checks (shared by the heuristic and the port dissector) ----
local function v2_size(tvb)
	local n = tvb:len()
	if n < 56 then return nil end
	local flags, suite = tvb(2, 1):uint(), tvb(3, 1):uint()
	local t = tvb(1, 1):uint()
	if suite > 2 or t < 1 or t > 7 or bit32.band(flags, 0xf8) ~= 0 then return nil end
	local hs = 52 + (bit32.band(flags, 0x02) ~= 0 and 8 or 0)
	return hs + tvb(48, 2):uint() + (suite == 0 and 4 or 16), hs
end

local function v1_size(tvb)
	local n = tvb:len()
	if n < 36 then return nil end
	local t, flags = tvb(1, 1):uint(), tvb(2, 1):uint()
	if t < 1 or t > 4 or flags > 3 then return nil end
	return 36 + tvb(32, 2):uint() + (bit32.band(flags, 0x02) ~= 0 and 16 or 0)
end

local function looks_like(tvb)
	if tvb:len() < 36 then return false end
	local v = tvb(0, 1):uint()
	if v == 2 then return v2_size(tvb) == tvb:len() end
	if v == 1 then return v1_size(tvb) == tvb:len() end
	return false
end

-- ---- payloads ----
local function ping_payload(tree, tvb, off, len)
	if len < 56 then return end
	local t = tree:add(p, tvb(off, len), "PING/PONG")
	t:add(f.ping_stamp, tvb(off, 8))
	t:add(f.ping_token, tvb(off + 8, 16))
	t:add(f.ping_probe, tvb(off + 24, 2))
	local pf = t:add(f.ping_pflags, tvb(off + 26, 1))
	pf:add(f.ping_backup, tvb(off + 26, 1))
	t:add(f.ping_mode, tvb(off + 27, 1))
	t:add(f.ping_k, tvb(off + 28, 1))
	t:add(f.ping_m, tvb(off + 29, 1))
	t:add(f.ping_wait, tvb(off + 30, 2))
	t:add(f.ping_loss, tvb(off + 32, 4))
	t:add(f.reserved, tvb(off + 36, 4))
	t:add(f.ping_name, tvb(off + 40, 16))
	if len > 56 then t:add(f.ping_pad, tvb(off + 56, len - 56)) end
end

local function feedback_payload(tree, tvb, off, len)
	if len < 4 then return end
	local count = tvb(off, 1):uint()
	local t = tree:add(p, tvb(off, len), "FEEDBACK")
	t:add(f.fb_count, tvb(off, 1))
	for i = 0, count - 1 do
		local e = off + 4 + 20 * i
		if e + 20 > off + len then break end
		local et = t:add(p, tvb(e, 20), string.format("path %d: highest %d, received %d",
			tvb(e, 1):uint(), tvb(e + 4, 4):uint(), tvb(e + 8, 4):uint()))
		et:add(f.fb_path, tvb(e, 1))
		et:add(f.fb_burst, tvb(e + 2, 2))
		et:add(f.fb_highest, tvb(e + 4, 4))
		et:add(f.fb_received, tvb(e + 8, 4))
		et:add(f.fb_echo, tvb(e + 12, 4))
		et:add(f.fb_delay, tvb(e + 16, 4))
	end
end

local function notice_payload(tree, tvb, off, len, pinfo)
	if len ~= 8 then return end
	local t = tree:add(p, tvb(off, len), "NOTICE")
	t:add(f.notice_code, tvb(off, 2))
	t:add(f.notice_suite, tvb(off + 2, 1))
	local code = tvb(off, 2):uint()
	pinfo.cols.info:append(" (" .. (notices[code] or "?") .. ")")
end

local function target_payload(tree, tvb, off, len)
	if len < 4 then return 0 end
	local kind, l = tvb(off, 1):uint(), tvb(off + 1, 1):uint()
	if 4 + l > len then return 0 end
	local t = tree:add(p, tvb(off, 4 + l), "Target descriptor")
	t:add(f.tgt_kind, tvb(off, 1))
	t:add(f.tgt_len, tvb(off + 1, 1))
	if kind == 4 and l == 4 then
		t:add(f.tgt_ipv4, tvb(off + 2, 4))
	elseif kind == 6 and l == 16 then
		t:add(f.tgt_ipv6, tvb(off + 2, 16))
	elseif l > 0 then
		t:add(f.tgt_name, tvb(off + 2, l))
	end
	t:add(f.tgt_port, tvb(off + 2 + l, 2))
	return 4 + l
end

-- ---- version 2 ----
local function dissect_v2(tvb, pinfo, tree)
	local n = tvb:len()
	local want, hs = v2_size(tvb)
	local t = tree:add(p, tvb(), "mptunnel v2")
	local ty, flags, suite = tvb(1, 1):uint(), tvb(2, 1):uint(), tvb(3, 1):uint()
	t:add(f.version, tvb(0, 1))
	t:add(f.type, tvb(1, 1))
	local ft = t:add(f.flags, tvb(2, 1))
	ft:add(f.f_server, tvb(2, 1))
	ft:add(f.f_fec, tvb(2, 1))
	ft:add(f.f_target, tvb(2, 1))
	t:add(f.suite, tvb(3, 1))
	t:add(f.server, tvb(4, 2))
	t:add(f.path, tvb(6, 1))
	t:add(f.key_id, tvb(8, 4))
	t:add(f.flow, tvb(12, 4))
	t:add(f.session, tvb(16, 8))
	t:add(f.epoch, tvb(24, 8))
	t:add(f.seq, tvb(32, 8))
	t:add(f.path_seq, tvb(40, 4))
	t:add(f.stamp, tvb(44, 4))
	t:add(f.len, tvb(48, 2))
	if hs == 60 then
		t:add(f.block, tvb(52, 4))
		t:add(f.index, tvb(56, 1))
		t:add(f.k, tvb(57, 1))
		t:add(f.m, tvb(58, 1))
	end
	local len = tvb(48, 2):uint()
	local dir = bit32.band(flags, 1) ~= 0 and "s2c" or "c2s"
	pinfo.cols.info:set(string.format("mptunnel v2 %s %s seq=%s flow=%d path=%d len=%d",
		types2[ty] or "?", dir, tostring(tvb(32, 8):uint64()), tvb(12, 4):uint(),
		tvb(6, 1):uint(), len))
	if hs == 60 then
		pinfo.cols.info:append(string.format(" block=%d index=%d", tvb(52, 4):uint(),
			tvb(56, 1):uint()))
	end
	if want ~= n then
		t:add_proto_expert_info(e_size)
		return
	end
	if len > 0 then
		local pt = t:add(f.payload, tvb(hs, len))
		if suite == 0 then
			if ty == 2 or ty == 3 then ping_payload(t, tvb, hs, len)
			elseif ty == 6 then feedback_payload(t, tvb, hs, len)
			elseif ty == 7 then notice_payload(t, tvb, hs, len, pinfo)
			elseif ty == 4 then t:add(f.cookie, tvb(hs, len))
			elseif ty == 1 and bit32.band(flags, 0x04) ~= 0 then
				target_payload(t, tvb, hs, len)
			end
		else
			pt:append_text(" (sealed)")
		end
	end
	if suite == 0 then
		local ct = t:add(f.crc, tvb(n - 4, 4))
		if p.prefs.check_crc then
			local ok = crc32c(tvb, 0, n - 4) == tvb(n - 4, 4):uint()
			t:add(f.crc_status, ok and "good" or "bad"):set_generated()
			if ok then
				ct:append_text(" [correct]")
			else
				ct:append_text(" [incorrect]")
				ct:add_proto_expert_info(e_crc)
				pinfo.cols.info:append(" [CRC32C bad]")
			end
		end
	else
		t:add(f.tag, tvb(n - 16, 16))
	end
end

-- ---- version 1 (legacy) ----
local function dissect_v1(tvb, pinfo, tree)
	local n = tvb:len()
	local t = tree:add(p, tvb(), "mptunnel v1 (legacy)")
	local ty, flags = tvb(1, 1):uint(), tvb(2, 1):uint()
	t:add(f.version, tvb(0, 1))
	t:add(f.type, tvb(1, 1))
	local ft = t:add(f.flags, tvb(2, 1))
	ft:add(f.f_server, tvb(2, 1))
	ft:add(f.f_sealed, tvb(2, 1))
	t:add(f.flow, tvb(4, 4))
	t:add(f.session, tvb(8, 8))
	t:add(f.epoch, tvb(16, 8))
	t:add(f.seq, tvb(24, 8))
	t:add(f.len, tvb(32, 2))
	local len = tvb(32, 2):uint()
	local sealed = bit32.band(flags, 2) ~= 0
	pinfo.cols.info:set(string.format("mptunnel v1 %s %s seq=%s flow=%d len=%d%s",
		types1[ty] or "?", bit32.band(flags, 1) ~= 0 and "s2c" or "c2s",
		tostring(tvb(24, 8):uint64()), tvb(4, 4):uint(), len, sealed and " sealed" or ""))
	if v1_size(tvb) ~= n then
		t:add_proto_expert_info(e_size)
		return
	end
	if len > 0 then t:add(f.payload, tvb(36, len)) end
	if not sealed and (ty == 2 or ty == 3) and len == 28 then
		t:add(f.ping1_path, tvb(36, 2))
		t:add(f.ping_stamp, tvb(40, 8))
		t:add(f.cookie, tvb(48, 16))
	end
	if sealed then t:add(f.tag, tvb(n - 16, 16)) end
end

function p.dissector(tvb, pinfo, tree)
	if tvb:len() < 36 then return 0 end
	local v = tvb(0, 1):uint()
	if v ~= 1 and v ~= 2 then return 0 end
	if v == 2 and tvb:len() < 56 then return 0 end
	pinfo.cols.protocol = "MPTUNNEL"
	if v == 2 then dissect_v2(tvb, pinfo, tree) else dissect_v1(tvb, pinfo, tree) end
	return tvb:len()
end

local function heuristic(tvb, pinfo, tree)
	if not looks_like(tvb) then return false end
	p.dissector(tvb, pinfo, tree)
	pinfo.conversation = p
	return true
end

local registered = ""
local function register_ports()
	local udp = DissectorTable.get("udp.port")
	if registered ~= "" then udp:remove(registered, p) end
	registered = p.prefs.ports
	if registered ~= "" then udp:add(registered, p) end
end

function p.prefs_changed()
	register_ports()
end

register_ports()
p:register_heuristic("udp", heuristic)

-- ---- mpbridge capture marks (postdissector) ----
local b = Proto("mpbridge", "mpbridge capture mark")
local reasons = { [1] = "loss", [2] = "queue", [3] = "mtu", [4] = "blackout", [5] = "noclient",
	[6] = "send", [7] = "exit" }
local bf = b.fields
bf.record = ProtoField.string("mpbridge.record", "Record")
bf.reason = ProtoField.uint8("mpbridge.reason", "Drop reason", base.DEC, reasons)
bf.mark = ProtoField.uint8("mpbridge.mark", "Mark (TOS byte)", base.HEX)
bf.dup = ProtoField.bool("mpbridge.duplicate", "Duplicate")
bf.corrupted = ProtoField.bool("mpbridge.corrupted", "Corrupted")
bf.truncated = ProtoField.bool("mpbridge.truncated", "Truncated")
bf.reordered = ProtoField.bool("mpbridge.reordered", "Reordered")
bf.arrival = ProtoField.uint16("mpbridge.arrival", "Arrival number (mod 65536)")

b.prefs.enabled = Pref.bool("Decode marks", true,
	"Read the TOS byte of link-type RAW UDP records as mpbridge's capture marks")

local fi_encap = Field.new("frame.encap_type")
local fi_tos = Field.new("ip.dsfield")
local fi_tclass = Field.new("ipv6.tclass")
local fi_ipid = Field.new("ip.id")
local fi_udp = Field.new("udp")
local ENCAP_RAW_IP = 7

function b.dissector(tvb, pinfo, tree)
	if not b.prefs.enabled or not fi_udp() then return end
	local encap = fi_encap()
	if not encap or encap.value ~= ENCAP_RAW_IP then return end
	local tos = fi_tos() or fi_tclass()
	if not tos then return end
	tos = bit32.band(tos.value, 0xff)
	local record, reason
	if bit32.band(tos, 0x80) ~= 0 then
		record = "forwarded"
	elseif bit32.band(tos, 0x07) ~= 0 then
		reason = bit32.band(tos, 0x07)
		record = "dropped: " .. reasons[reason]
	elseif tos == 0 then
		record = "arrival"
	else
		return
	end
	local fl = bit32.band(bit32.rshift(tos, 3), 0x0f)
	local notes = {}
	if bit32.band(fl, 1) ~= 0 then notes[#notes + 1] = "duplicate" end
	if bit32.band(fl, 2) ~= 0 then notes[#notes + 1] = "corrupted" end
	if bit32.band(fl, 4) ~= 0 then notes[#notes + 1] = "truncated" end
	if bit32.band(fl, 8) ~= 0 then notes[#notes + 1] = "reordered" end
	local text = record
	if #notes > 0 then text = text .. " (" .. table.concat(notes, ", ") .. ")" end
	local t = tree:add(b, "mpbridge: " .. text)
	t:add(bf.record, record):set_generated()
	t:add(bf.mark, tos):set_generated()
	if reason then t:add(bf.reason, reason):set_generated() end
	t:add(bf.dup, bit32.band(fl, 1) ~= 0):set_generated()
	t:add(bf.corrupted, bit32.band(fl, 2) ~= 0):set_generated()
	t:add(bf.truncated, bit32.band(fl, 4) ~= 0):set_generated()
	t:add(bf.reordered, bit32.band(fl, 8) ~= 0):set_generated()
	local id = fi_ipid()
	if id then t:add(bf.arrival, id.value):set_generated() end
	pinfo.cols.info:append(" [" .. text .. "]")
end

register_postdissector(b)
