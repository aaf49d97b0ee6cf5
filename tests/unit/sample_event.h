/* SPDX-License-Identifier: MIT */
/* One real ledger line, written with ' for " (q() swaps them): shared by
 * the OTLP tests (its exact log record) and the field table's round trip. */
#ifndef TT_SAMPLE_EVENT_H
#define TT_SAMPLE_EVENT_H

#include <string.h>

/* ' -> ", in one of a few rotating buffers. */
__attribute__((unused)) static const char *q(const char *s)
{
	static char bufs[4][16384];
	static int next;
	char *b = bufs[next++ % 4];
	size_t i;

	for (i = 0; s[i] && i < sizeof(bufs[0]) - 1; i++)
		b[i] = s[i] == '\'' ? '"' : s[i];
	b[i] = '\0';
	return b;
}

/* A real event: tokentap replay of
 * tests/fixtures/openai-chat-sse-usage.capture.jsonl. */
static const char sample_line[] =
	"{'event_type':'ai_api_cost_allocation','event_version':1,"
	"'event_id':'00000000-0000-4000-8000-000000000001',"
	"'timestamp_utc':'2026-11-23T10:26:06.608489Z',"
	"'duration_ms':0.56,'ttfb_ms':0.445,'host':null,"
	"'process':{'pid':27185,'comm':'node','exe':null},"
	"'cgroup':{'id':0,'path':null},'container':null,'pod':null,"
	"'unit':null,'slice':null,'owner':'web','team':'frontend',"
	"'cost_center':'CC-300','application':'storefront',"
	"'environment':'production','tags':{'tier':'gold'},"
	"'allocation':{'status':'allocated','rule':'sdk-node',"
	"'sources':['comm'],'environment_source':'rule'},"
	"'environment_check':{'mismatch':false,'workload':'production',"
	"'workload_source':'rule','declared':'production',"
	"'declared_source':'key'},'provider':'openai',"
	"'operation':'chat','server_address':'api.openai.com',"
	"'endpoint':'/v1/chat/completions',"
	"'request_model':'gpt-4o-mini',"
	"'response_model':'gpt-4o-mini-2024-07-18','stream':true,"
	"'status_code':200,'outcome':'success','error_type':null,"
	"'provider_request_id':'req_73e45e62248f497a0439c3681645b4d5',"
	"'response_id':'chatcmpl-1xNysSQuxJTkNibjQn6yQkHpjDQVq',"
	"'finish_reason':'stop','service_tier':null,'attempt':0,"
	"'attempt_source':'inferred','retry_of':null,'fallback_of':null,"
	"'client':{'user_agent':'OpenAI/JS 6.49.0','sdk_lang':'js',"
	"'sdk_version':'6.49.0','runtime':'node',"
	"'runtime_version':'v20.20.2'},'usage':{'input_tokens':34,"
	"'output_tokens':13,'cache_read_input_tokens':2,"
	"'cache_creation_input_tokens':null,"
	"'cache_creation_1h_input_tokens':null,'reasoning_tokens':0,"
	"'audio_input_tokens':0,'audio_output_tokens':0,"
	"'image_input_tokens':null,'image_output_tokens':null,"
	"'total_tokens':47},'usage_raw':{'prompt_tokens':34,"
	"'completion_tokens':13,'total_tokens':47,"
	"'prompt_tokens_details':{'cached_tokens':2,'audio_tokens':0},"
	"'completion_tokens_details':{'reasoning_tokens':0,"
	"'audio_tokens':0,'accepted_prediction_tokens':0,"
	"'rejected_prediction_tokens':0}},'usage_status':'reported',"
	"'usage_problem':null,"
	"'api_key':{'fingerprint':'k_082f20f385b9b9a5',"
	"'hint':'sk-...-key','source':'api_key'},"
	"'declared':{'cost_center':null,'environment':null,"
	"'project_id':null,'team':null,'provider_organization':null,"
	"'provider_project':null,'unit_type':null,'unit_id':null,"
	"'unit_outcome':null,'workflow':null,'tenant':null,'user':null,"
	"'trace_id':null,'span_id':null,'baggage':{}},"
	"'cost':{'amount':1.275e-05,"
	"'currency':'USD','pricing_source':'list_price_snapshot',"
	"'pricing_table':'/work/main/config/prices.json',"
	"'pricing_version':'litellm-00035b69f416+overrides-efc719cf',"
	"'pricing_snapshot_date':'2026-12-07',"
	"'pricing_sha256':'d468eb52d0da14e0982103c1301b1e73579a1f87fa149a14002215eb86ffa1b1',"
	"'priced_as':{'provider':'openai',"
	"'model':'gpt-4o-mini-2024-07-18','match':'exact',"
	"'effective_from':null},'service_tier':'standard',"
	"'long_context':false,'components':{'input':4.8e-06,"
	"'cached_input':1.5e-07,'cache_write':null,"
	"'cache_write_1h':null,'output':7.8e-06,'reasoning':null,"
	"'audio_input':null,'audio_output':null,'image_input':null,"
	"'image_output':null,'per_request':null},'lacked':[],"
	"'reason':null,'is_final_invoice_amount':false},"
	"'request_bytes':137,'response_bytes':2000,"
	"'response_encoding':'identity','problem':null,'connection':null}";

#endif
