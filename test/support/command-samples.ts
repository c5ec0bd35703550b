// A body every case command accepts, and a value for each parameter its path names: the requests the
// HTTP tests spoil or point at a case, so that only the spoiler (or the case) makes the difference.

/** Valid bodies of the POST commands, by command-table name; a merge goes into `mergeInto`. */
export function commandBodies(mergeInto: string): Readonly<Record<string, Record<string, unknown>>> {
  return {
    acceptCase: { handlingMode: 'onSite', note: '现场调处' },
    rejectCase: { reason: '不予受理' },
    assignCase: { assigneeId: 'mediator-liu' },
    whistle: { departmentIds: ['police-east'], reason: '吹哨', reportInMinutes: 30 },
    reportIn: { note: '已到场' },
    respond: { summary: '已处理' },
    decline: { reason: '非本部门职责' },
    releaseSummons: { reason: '不再需要' },
    joinParticipant: { userId: 'lawyer-wu', role: 'lawyer' },
    scheduleSession: { scheduledAt: '2026-03-04T01:00:00.000Z', place: '调解室' },
    recordSession: { outcome: 'agreement', notes: '达成一致' },
    recordAgreement: { terms: '赔偿3000元', signatories: ['张伟', '李娜'] },
    requestJudicialConfirmation: { courtId: 'court-1' },
    decideJudicialConfirmation: { granted: true },
    escalate: { reason: '上报' },
    addNote: { text: '记录' },
    addAttachment: { name: 'a.jpg', contentType: 'image/jpeg', sha256: 'ab'.repeat(32), size: 1 },
    resolveCase: { summary: '办结' },
    giveFeedback: { rating: 'satisfied', via: 'phone' },
    reopenCase: { reason: '重办' },
    closeCase: { reason: '已办结' },
    withdrawCase: { reason: '撤回' },
    mergeCase: { intoCaseId: mergeInto },
  };
}

/** The path parameters of the command routes other than the case id. */
export const COMMAND_PATH_PARAMS: Readonly<Record<string, string>> = {
  departmentId: 'police-east',
  userId: 'lawyer-wu',
  sid: 'session-1',
  aid: 'agreement-1',
};
