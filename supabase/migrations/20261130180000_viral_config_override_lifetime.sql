-- VIRAL_SCORE_THRESHOLD is an override that lasts while it is set: a start without it puts back the threshold the
-- override replaced, unless someone changed the threshold since (their value stays).

create or replace function public.apply_viral_config(p_threshold double precision) returns jsonb
language plpgsql
as $$
declare
  v_actor constant text := 'config:VIRAL_SCORE_THRESHOLD';
  v_restore double precision;
begin
  if p_threshold is not null then
    return public.set_viral_params(jsonb_build_object('threshold', p_threshold), v_actor);
  end if;
  -- The threshold changes, newest first: if the newest ones were made by the override, restore what the first of
  -- that run replaced. Any other actor's threshold change (newer than the run) stops the search: it stays.
  with changes as (
    select c.id, c.changed_by, (c.old_params ->> 'threshold')::double precision as old_threshold
    from public.viral_param_changes c
    where c.old_params -> 'threshold' is distinct from c.new_params -> 'threshold'
  ), last_other as (
    select coalesce(max(id), 0) as id from changes where changed_by <> v_actor
  )
  select ch.old_threshold into v_restore
  from changes ch, last_other lo
  where ch.id > lo.id and ch.changed_by = v_actor
  order by ch.id
  limit 1;
  if v_restore is null or v_restore = (select threshold from public.viral_params) then
    return (select to_jsonb(x) - 'id' from public.viral_params x);
  end if;
  return public.set_viral_params(jsonb_build_object('threshold', v_restore), 'config:VIRAL_SCORE_THRESHOLD unset');
end;
$$;
comment on function public.apply_viral_config(double precision) is
  'Apply the VIRAL_SCORE_THRESHOLD override (recorded only when it changes the value); with null, put back the '
  'threshold an earlier override replaced, unless another actor changed the threshold since.';
revoke execute on function public.apply_viral_config(double precision) from public, anon, authenticated;
grant execute on function public.apply_viral_config(double precision) to service_role;
