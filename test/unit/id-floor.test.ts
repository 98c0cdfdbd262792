import { v7 as uuidv7 } from "uuid";
import { idFloorAt } from "../../src/store/ids";

describe("idFloorAt (where a recent sequencing pass starts reading)", () => {
  it("is the lowest UUIDv7 of its millisecond", () => {
    expect(idFloorAt(new Date(0))).toBe("00000000-0000-0000-0000-000000000000");
    // 2026-12-02T00:00:00Z is 1,796,169,600,000 ms: 0x01a2340d0c00.
    expect(idFloorAt(new Date(Date.UTC(2026, 11, 2)))).toBe("01a2340d-0c00-0000-0000-000000000000");
  });

  it("sorts, as text, at or below every id made from its millisecond on, and above every id made before it", () => {
    const at = Date.UTC(2026, 11, 2, 9, 41, 7, 123);
    for (let i = 0; i < 200; i++) {
      const made = uuidv7({ msecs: at + (i % 3) });
      expect(idFloorAt(new Date(at)) <= made).toBe(true);
      expect(uuidv7({ msecs: at - 1 - i }) < idFloorAt(new Date(at))).toBe(true);
    }
  });
});
