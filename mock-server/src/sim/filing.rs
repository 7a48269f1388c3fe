//! NTS filing: receipts issued on day D (KST) are sent at 00:00 of D+1 (`ntssendDT`) and get
//! their result at 11:00 of D+1: 304 with `0000`, or 305 with the scenario's NTS code. The
//! result is visible in GetInfo/GetInfos and announced by an `NTS` webhook at the same time.

use popbill::KstDate;
use popbill::wire::WebhookEvent;

use super::Sim;
use super::clock::SimTime;
use super::scenario::nts_message;

impl Sim {
    pub(crate) fn file_day(&mut self, day: KstDate, at: SimTime) {
        let Some(list) = self.store.by_day.get(&day) else {
            return;
        };
        for &i in list {
            self.store.receipts[i as usize].nts_sent_at = Some(at);
        }
        self.ran.filed += list.len() as u64;
    }

    pub(crate) fn results_day(&mut self, day: KstDate, at: SimTime) {
        let Some(list) = self.store.by_day.remove(&day) else {
            return;
        };
        for &i in &list {
            let r = &mut self.store.receipts[i as usize];
            r.nts_sent_at.get_or_insert(at);
            r.nts_result_at = Some(at);
            let r = &self.store.receipts[i as usize];
            let code = r.nts_plan.result_code().to_owned();
            let event = WebhookEvent {
                event_type: Some("NTS".into()),
                ntssend_dt: r.nts_sent_at.map(|t| t.kst().to_string()),
                ntsresult_dt: Some(at.kst().to_string()),
                ntsresult_message: Some(nts_message(&code)),
                ntsresult_code: Some(code),
                ..self.receipt_event(r, at)
            };
            let mgt_key = r.mgt_key.clone();
            let submit_id = r
                .submission
                .map(|s| self.store.submissions[s as usize].submit_id.clone());
            self.emit(event, "NTS", Some(mgt_key), submit_id, at);
        }
        self.ran.results += list.len() as u64;
    }
}
