import Testing
@testable import Shard

/// When a shard gives deleted records' space back: after many deletes, once idle, never mid-work.
@Suite struct ReclaimScheduleTests {
    let start = ContinuousClock.now

    @Test func nothingIsDueBeforeManyRecordsWereDeleted() {
        var schedule = ReclaimSchedule()
        #expect(!schedule.isDue(at: start))
        schedule.wrote(deleted: ReclaimSchedule.deletedRecords - 1, at: start)
        #expect(!schedule.isDue(at: start + .seconds(3_600)), "fewer deletes than the threshold are not worth a reclaim")
    }

    @Test func manyDeletesAreReclaimedOnlyOnceTheShardWasIdleLongEnough() {
        var schedule = ReclaimSchedule()
        schedule.wrote(deleted: ReclaimSchedule.deletedRecords / 2, at: start)
        schedule.wrote(deleted: ReclaimSchedule.deletedRecords / 2, at: start + .seconds(1))
        let lastWrite = start + .seconds(1)
        #expect(!schedule.isDue(at: lastWrite + ReclaimSchedule.idleFor - .milliseconds(1)))
        #expect(schedule.isDue(at: lastWrite + ReclaimSchedule.idleFor))
    }

    @Test func anImportPutsTheReclaimOffUntilTheShardIsIdleAgain() {
        var schedule = ReclaimSchedule()
        schedule.wrote(deleted: ReclaimSchedule.deletedRecords, at: start)
        let idle = start + ReclaimSchedule.idleFor
        #expect(schedule.isDue(at: idle))
        schedule.wrote(at: idle)
        #expect(!schedule.isDue(at: idle + .seconds(1)), "a write stops the reclaim")
        #expect(schedule.isDue(at: idle + ReclaimSchedule.idleFor), "still owed once idle again")
    }

    @Test func aReclaimSettlesWhatWasOwedUntilTheNextDeletes() {
        var schedule = ReclaimSchedule()
        schedule.wrote(deleted: ReclaimSchedule.deletedRecords, at: start)
        schedule.reclaimed()
        #expect(schedule.deletedSinceReclaim == 0)
        #expect(!schedule.isDue(at: start + .seconds(3_600)))
    }

    @Test func aDatabaseThatOpensWithFreePagesIsOwedAtOnce() {
        #expect(ReclaimSchedule(owing: true).isDue(at: start))
        #expect(!ReclaimSchedule(owing: false).isDue(at: start))
    }
}
